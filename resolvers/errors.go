package resolvers

import (
	"context"
	"fmt"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/internal/apierr"
)

// notFoundAs turns ent's not-found error into a NOT_FOUND naming the object.
func notFoundAs(err error, typ string, id fmt.Stringer) error {
	if ent.IsNotFound(err) {
		return apierr.Missing(typ, id)
	}
	return err
}

// withTx runs fn in a transaction, rolling back on error or panic.
func withTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// nodeOrNil follows Relay: node(id) of an unknown object is null, not an error.
func nodeOrNil(n ent.Noder, err error) (ent.Noder, error) {
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return n, err
}
