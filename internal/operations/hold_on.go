//go:build bcstesthooks

package operations

import (
	"context"
	"os"
)

// hold, in binaries built with -tags bcstesthooks for process-level tests
// only, keeps every operation whose action is $BCS_TEST_HOLD_ACTION from
// calling its cluster until its context ends: a replica can then be killed
// while the operation is certainly RUNNING.
func hold(ctx context.Context, action string) {
	if a := os.Getenv("BCS_TEST_HOLD_ACTION"); a != "" && a == action {
		<-ctx.Done()
	}
}
