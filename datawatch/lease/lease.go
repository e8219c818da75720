package lease

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/storage"
)

// ErrHeld means another holder has the lease and it has not expired.
var ErrHeld = errors.New("lease held by another holder")

// ErrLost means the lease expired or was taken over: the holder must stop.
var ErrLost = errors.New("lease lost")

// Lease is a lease as its holder holds it.
type Lease struct {
	Name   string
	Holder string
	Epoch  int64
	// ExpiresAt is the database's expiry time, for display.
	ExpiresAt time.Time
	// deadline is when the holder must have stopped, by its own
	// monotonic clock (see the package doc).
	deadline time.Time
}

// Deadline is when the holder must have stopped working under this lease
// unless it renews it, on the local monotonic clock.
func (l Lease) Deadline() time.Time { return l.deadline }

// Store acquires, renews and releases leases in one database.
type Store struct {
	db *storage.DB
	// Logger receives Run's events when RunOptions names none; nil means
	// slog.Default().
	Logger *slog.Logger
}

// New returns a Store on db.
func New(db *storage.DB) *Store { return &Store{db: db} }

func (s *Store) q(query string) string {
	if s.db.Dialect != dialect.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// margin is how long before the end of its term a holder stops.
func margin(ttl time.Duration) time.Duration { return ttl / 10 }

// now reads the database's clock.
func (s *Store) now(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (time.Time, error) {
	if s.db.Dialect != dialect.Postgres {
		return time.Now().UTC().Round(0), nil
	}
	var t time.Time
	if err := q.QueryRowContext(ctx, `SELECT clock_timestamp()`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("read database clock: %w", err)
	}
	return t.UTC(), nil
}

// Acquire takes the lease for holder if it is free, expired, or already
// held by holder, for ttl; every acquisition increments the epoch. It fails
// with ErrHeld if someone else holds it.
func (s *Store) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (Lease, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return Lease{}, fmt.Errorf("lease: acquire needs a name, a holder and a positive ttl")
	}
	sent := time.Now()
	tx, err := s.db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return Lease{}, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	defer tx.Rollback() //nolint:errcheck
	now, err := s.now(ctx, tx)
	if err != nil {
		return Lease{}, err
	}
	var (
		cur     string
		epoch   int64
		expires time.Time
	)
	err = tx.QueryRowContext(ctx, s.q(`SELECT holder, epoch, expires_at FROM leases WHERE name = ?`), name).Scan(&cur, &epoch, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Two replicas may both insert: the unique name lets one win.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO leases (id, name, holder, epoch, expires_at, renewed_at)
			VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (name) DO NOTHING`), gid.New("lse"), name, holder, now.Add(ttl), now)
		if err != nil {
			return Lease{}, fmt.Errorf("acquire lease %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Lease{}, fmt.Errorf("%w: %s was just created by another holder", ErrHeld, name)
		}
		epoch = 0
	case err != nil:
		return Lease{}, fmt.Errorf("acquire lease %s: %w", name, err)
	case cur != "" && cur != holder && expires.After(now):
		return Lease{}, fmt.Errorf("%w: %s is held by %s (epoch %d) until %s", ErrHeld, name, cur, epoch, expires.Format(time.RFC3339Nano))
	default:
		res, err := tx.ExecContext(ctx, s.q(`UPDATE leases SET holder = ?, epoch = epoch + 1, expires_at = ?, renewed_at = ?
			WHERE name = ? AND holder = ? AND epoch = ?`), holder, now.Add(ttl), now, name, cur, epoch)
		if err != nil {
			return Lease{}, fmt.Errorf("acquire lease %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Lease{}, fmt.Errorf("%w: %s changed hands while acquiring", ErrHeld, name)
		}
	}
	if err := tx.Commit(); err != nil {
		return Lease{}, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return Lease{Name: name, Holder: holder, Epoch: epoch + 1, ExpiresAt: now.Add(ttl), deadline: sent.Add(ttl - margin(ttl))}, nil
}

// Renew extends a held lease by ttl from now. It fails with ErrLost if the
// lease expired or changed hands.
func (s *Store) Renew(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	sent := time.Now()
	now, err := s.now(ctx, s.db.SQL)
	if err != nil {
		return l, err
	}
	res, err := s.db.SQL.ExecContext(ctx, s.q(`UPDATE leases SET expires_at = ?, renewed_at = ?
		WHERE name = ? AND holder = ? AND epoch = ? AND expires_at > ?`), now.Add(ttl), now, l.Name, l.Holder, l.Epoch, now)
	if err != nil {
		return l, fmt.Errorf("renew lease %s: %w", l.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return l, fmt.Errorf("%w: %s (epoch %d) expired or was taken over", ErrLost, l.Name, l.Epoch)
	}
	l.ExpiresAt, l.deadline = now.Add(ttl), sent.Add(ttl-margin(ttl))
	return l, nil
}

// Release gives the lease up so another holder can take it at once. It is
// a no-op if the lease is no longer held by l.
func (s *Store) Release(ctx context.Context, l Lease) error {
	now, err := s.now(ctx, s.db.SQL)
	if err != nil {
		return err
	}
	if _, err := s.db.SQL.ExecContext(ctx, s.q(`UPDATE leases SET holder = '', expires_at = ?
		WHERE name = ? AND holder = ? AND epoch = ?`), now, l.Name, l.Holder, l.Epoch); err != nil {
		return fmt.Errorf("release lease %s: %w", l.Name, err)
	}
	return nil
}

// Get reads a lease as stored (Holder is empty if nobody holds it; an
// expired holder is still reported, with ExpiresAt in the past).
func (s *Store) Get(ctx context.Context, name string) (Lease, error) {
	l := Lease{Name: name}
	err := s.db.SQL.QueryRowContext(ctx, s.q(`SELECT holder, epoch, expires_at FROM leases WHERE name = ?`), name).
		Scan(&l.Holder, &l.Epoch, &l.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("read lease %s: %w", name, err)
	}
	return l, nil
}
