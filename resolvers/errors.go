package resolvers

import (
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

// nodeOrNil follows Relay: node(id) of an unknown object is null, not an error.
func nodeOrNil(n ent.Noder, err error) (ent.Noder, error) {
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return n, err
}
