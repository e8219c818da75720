package zkutil

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
)

// signalHandler closes seen at the first record whose message contains want.
type signalHandler struct {
	slog.Handler
	want string
	seen chan struct{}
}

func (h *signalHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *signalHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.want) {
		select {
		case <-h.seen:
		default:
			close(h.seen)
		}
	}
	return nil
}

func (h *signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *signalHandler) WithGroup(string) slog.Handler      { return h }

// A candidate that loses its connection while waiting cannot delete its
// node then; its session survives a quick ZooKeeper restart, and the node
// with it. It must not stay in line ahead of the candidate's own next
// attempt: before, nobody led again until that session ended (seen in
// TestZooKeeperRestartDuringRollingUpdate under load: no Mesos scheduler
// for 90 s after ZooKeeper came back).
func TestCandidateCutOffLeavesNoBlockingNode(t *testing.T) {
	srv := zookeeper.StartT(t)
	a := connect(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitFor)
	defer cancel()
	// A session that outlives the restart below.
	b, err := Connect(ctx, []string{srv.Addr()}, 20*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	la, err := NewElection(a, "/orphan", []byte("a"), nil).Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	retried := &signalHandler{want: "starting the candidacy over", seen: make(chan struct{})}
	won := make(chan error, 1)
	go func() {
		_, err := NewElection(b, "/orphan", []byte("b"), slog.New(retried)).Campaign(ctx)
		won <- err
	}()
	eventually(t, "b waiting behind a", func() bool {
		children, _, _ := a.Children("/orphan")
		return len(children) == 2
	})
	srv.Stop()
	select {
	case <-retried.seen: // b's wait failed while the server was down
	case <-ctx.Done():
		t.Fatal("b's candidacy never noticed the outage")
	}
	<-la.Done()
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-won:
		if err != nil {
			t.Fatalf("b's campaign: %v", err)
		}
	case <-time.After(waitFor):
		children, _, _ := b.Children("/orphan")
		t.Fatalf("nobody leads %s after ZooKeeper returned; candidates %v", waitFor, children)
	}
}
