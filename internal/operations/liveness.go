package operations

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/bcs-io/bcs/datawatch/lease"
)

// Defaults of the liveness lease and the reaper: a survivor takes over a
// crashed replica's operations DefaultLeaseTTL + DefaultReapInterval after
// its last renewal, at the latest.
const (
	DefaultLeaseTTL      = 10 * time.Second
	DefaultReapInterval  = 2 * time.Second
	DefaultShutdownGrace = 10 * time.Second
)

// RunnerID names one process for its liveness lease: the replica's name and
// a random suffix, so that a replica restarted under the same name (a
// StatefulSet pod, say) does not pass for the process that died.
func RunnerID(replica string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return replica + "/" + hex.EncodeToString(b)
}

func leaseName(runner string) string { return "operations/" + runner }

// liveness is this process's liveness lease as the runner sees it.
type liveness struct {
	mu    sync.Mutex
	held  bool
	since time.Time // start of the current uninterrupted holding
}

func (l *liveness) set(held bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if held && !l.held {
		l.since = time.Now()
	}
	l.held = held
}

// heldFor is how long the lease has been held without a break (0: not held).
func (l *liveness) heldFor() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return 0
	}
	return time.Since(l.since)
}

// keepAlive holds the liveness lease until ctx ends, then releases it: the
// other replicas then take over at once whatever this one handed back.
func (r *Runner) keepAlive(ctx context.Context) {
	_ = r.Leases.RunWith(ctx, leaseName(r.ID), r.ID, r.leaseTTL(), lease.RunOptions{
		Logger:  r.Log,
		OnState: func(held bool, _ lease.Lease) { r.live.set(held) },
	}, func(ctx context.Context) error {
		<-ctx.Done()
		return nil
	})
}

func (r *Runner) leaseTTL() time.Duration {
	if r.LeaseTTL > 0 {
		return r.LeaseTTL
	}
	return DefaultLeaseTTL
}

// owner is what a new operation records as its runner: this process while
// it holds its liveness lease. Without it (reapers off, or the database
// unreachable at the start) the operation is unowned and never reaped.
func (r *Runner) owner() string {
	if r.Leases == nil || r.live.heldFor() == 0 {
		return ""
	}
	return r.ID
}
