package transport

import "context"

type runningKey struct{}

// withRunning tells Admit how many operations its connection runs, so a
// server can cap them without tracking when each one ends.
func withRunning(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, runningKey{}, n)
}

// RunningOperations is, in WebSocket.Admit, the number of operations the
// connection already runs (the one being admitted not included); ok is
// false outside Admit.
func RunningOperations(ctx context.Context) (n int, ok bool) {
	n, ok = ctx.Value(runningKey{}).(int)
	return n, ok
}
