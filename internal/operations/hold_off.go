//go:build !bcstesthooks

package operations

import "context"

// hold is a no-op outside test builds (see hold_on.go).
func hold(context.Context, string) {}
