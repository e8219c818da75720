package hub

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/bcs-io/bcs/datawatch/changelog"
)

// Notifier tells a hub that another replica committed Changes.
type Notifier interface {
	// Listen calls wake with each committed head revision it hears of, and
	// with 0 ("check the log") whenever it may have missed some, until ctx
	// ends. Calls come from one goroutine and must not block for long.
	Listen(ctx context.Context, wake func(revision int64)) error
}

// PGNotifier listens on changelog.NotifyChannel, where every writer's batch
// announces its head revision at commit. It holds one pooled connection for
// as long as it listens and reconnects with backoff.
type PGNotifier struct {
	DB     *sql.DB // a pgx (PostgreSQL) pool
	Logger *slog.Logger
	// Signal, if set, receives the payloads that are not revisions (other
	// events sharing the channel, such as identity changes), synchronously
	// and in commit order with the revisions this notifier hears of.
	// Without it such a payload makes the hub check the log.
	Signal func(payload string)
	// Listening, if set, is called each time LISTEN has taken effect (at
	// start and after every reconnection): what was published before was
	// not heard, so whoever relies on Signal's events catches up then, as
	// the hub does on wake(0).
	Listening func()
}

// Listen implements Notifier.
func (n *PGNotifier) Listen(ctx context.Context, wake func(int64)) error {
	lg := n.Logger
	if lg == nil {
		lg = slog.Default()
	}
	initial := wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Cap: 10 * time.Second, Steps: math.MaxInt32}
	backoff := initial
	for {
		start := time.Now()
		err := n.listen(ctx, wake)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > time.Minute {
			backoff = initial
		}
		d := backoff.Step()
		lg.Warn("change notifications interrupted; reconnecting", "component", "hub", "backoff", d, "err", err)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil
		}
	}
}

func (n *PGNotifier) listen(ctx context.Context, wake func(int64)) error {
	conn, err := n.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("notifier connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("notifier needs a pgx connection, got %T", dc)
		}
		pc := sc.Conn()
		defer func() {
			// A cancelled wait closes the connection; a live one must not
			// go back to the pool still listening.
			if !pc.IsClosed() {
				_, _ = pc.Exec(context.WithoutCancel(ctx), "UNLISTEN *")
			}
		}()
		if _, err := pc.Exec(ctx, "LISTEN "+changelog.NotifyChannel); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		// Anything committed before LISTEN took effect was not announced.
		wake(0)
		if n.Listening != nil {
			n.Listening()
		}
		for {
			msg, err := pc.WaitForNotification(ctx)
			if err != nil {
				return fmt.Errorf("wait for notification: %w", err)
			}
			rev, err := strconv.ParseInt(msg.Payload, 10, 64)
			if err != nil && n.Signal != nil {
				n.Signal(msg.Payload)
				continue
			}
			if err != nil {
				rev = 0
			}
			wake(rev)
		}
	})
}
