package lease

import (
	"context"
	"fmt"
)

// Vacant reports whether nobody holds the lease name by the database's
// clock: it was released, it expired, or it was never taken. Other replicas
// use it to tell that a holder died (internal/operations' reaper).
func (s *Store) Vacant(ctx context.Context, name string) (bool, error) {
	l, err := s.Get(ctx, name)
	if err != nil {
		return false, err
	}
	if l.Holder == "" {
		return true, nil
	}
	now, err := s.now(ctx, s.db.SQL)
	if err != nil {
		return false, err
	}
	return !l.ExpiresAt.After(now), nil
}

// Forget deletes the lease name if it is vacant, so that the leases of
// processes that are gone for good do not pile up. A holder that renewed
// or re-acquired meanwhile keeps its lease: the delete is conditioned on
// what was read.
func (s *Store) Forget(ctx context.Context, name string) error {
	l, err := s.Get(ctx, name)
	if err != nil || l.Epoch == 0 {
		return err
	}
	now, err := s.now(ctx, s.db.SQL)
	if err != nil {
		return err
	}
	if l.Holder != "" && l.ExpiresAt.After(now) {
		return nil
	}
	if _, err := s.db.SQL.ExecContext(ctx, s.q(`DELETE FROM leases WHERE name = ? AND holder = ? AND epoch = ?`), name, l.Holder, l.Epoch); err != nil {
		return fmt.Errorf("forget lease %s: %w", name, err)
	}
	return nil
}
