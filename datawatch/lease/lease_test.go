package lease_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/datawatch/lease"
)

func TestMain(m *testing.M) { os.Exit(dwtest.Main(m)) }

var quiet = slog.New(slog.DiscardHandler)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestAcquireRenewRelease(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		s := lease.New(dwtest.Open(t, url))
		ctx := ctxT(t)
		a, err := s.Acquire(ctx, "cluster/1", "a", time.Minute)
		must(t, err)
		if a.Epoch != 1 || a.Holder != "a" {
			t.Fatalf("first acquisition: %+v", a)
		}
		if _, err := s.Acquire(ctx, "cluster/1", "b", time.Minute); !errors.Is(err, lease.ErrHeld) {
			t.Fatalf("b acquired a held lease: %v", err)
		}
		a, err = s.Renew(ctx, a, time.Minute)
		must(t, err)
		// Re-acquiring one's own lease is allowed and moves the epoch on.
		a2, err := s.Acquire(ctx, "cluster/1", "a", time.Minute)
		must(t, err)
		if a2.Epoch != 2 {
			t.Errorf("re-acquired epoch %d, want 2", a2.Epoch)
		}
		// The old term is fenced off.
		if _, err := s.Renew(ctx, a, time.Minute); !errors.Is(err, lease.ErrLost) {
			t.Errorf("renewing a superseded term: %v", err)
		}
		must(t, s.Release(ctx, a2))
		b, err := s.Acquire(ctx, "cluster/1", "b", time.Minute)
		must(t, err)
		if b.Epoch != 3 {
			t.Errorf("b's epoch %d, want 3", b.Epoch)
		}
		got, err := s.Get(ctx, "cluster/1")
		must(t, err)
		if got.Holder != "b" || got.Epoch != 3 || !got.ExpiresAt.After(time.Now().Add(50*time.Second)) {
			t.Errorf("stored lease %+v", got)
		}
		// Releasing a term one no longer holds changes nothing.
		must(t, s.Release(ctx, a2))
		if got, _ := s.Get(ctx, "cluster/1"); got.Holder != "b" {
			t.Errorf("stale release freed the lease: %+v", got)
		}
	})
}

// Many contenders on two database handles (two replicas) race for one
// lease in tight Run loops: at no moment do two of them run their work.
func TestExclusiveUnderContention(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		stores := []*lease.Store{lease.New(dwtest.Open(t, url)), lease.New(dwtest.Open(t, url))}
		ctx := ctxT(t)
		var (
			running, terms atomic.Int64
			mu             sync.Mutex
			epochs         = map[int64]string{}
			wg             sync.WaitGroup
		)
		const contenders, wantTerms = 6, 40
		for i := range contenders {
			s, holder := stores[i%2], fmt.Sprint("replica-", i)
			wg.Go(func() {
				for terms.Load() < wantTerms {
					err := s.RunWith(ctx, "compaction", holder, 5*time.Second,
						lease.RunOptions{RetryInterval: time.Millisecond, Logger: quiet},
						func(ctx context.Context) error {
							if n := running.Add(1); n != 1 {
								t.Errorf("%d holders running at once", n)
							}
							l, _ := lease.FromContext(ctx)
							mu.Lock()
							if prev, dup := epochs[l.Epoch]; dup {
								t.Errorf("epoch %d held by %s and %s", l.Epoch, prev, holder)
							}
							epochs[l.Epoch] = holder
							mu.Unlock()
							// A round trip widens the window in which an
							// overlap would show.
							if _, err := s.Get(ctx, "compaction"); err != nil {
								t.Error(err)
							}
							terms.Add(1)
							running.Add(-1)
							return nil // hand over
						})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if len(epochs) < wantTerms {
			t.Errorf("%d terms", len(epochs))
		}
	})
}

// A holder that dies (stops renewing) loses the lease when it expires, and
// a waiting replica takes over with the next epoch.
func TestTakeoverAfterExpiry(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		dead, live := lease.New(dwtest.Open(t, url)), lease.New(dwtest.Open(t, url))
		ctx := ctxT(t)
		const ttl = 400 * time.Millisecond
		gone, err := dead.Acquire(ctx, "cluster/7", "dead", ttl)
		must(t, err)
		took := make(chan lease.Lease, 1)
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		start := time.Now()
		go func() {
			_ = live.RunWith(runCtx, "cluster/7", "live", ttl, lease.RunOptions{RetryInterval: 20 * time.Millisecond, Logger: quiet},
				func(ctx context.Context) error {
					l, _ := lease.FromContext(ctx)
					took <- l
					<-ctx.Done()
					return nil
				})
		}()
		select {
		case l := <-took:
			if l.Epoch != gone.Epoch+1 || l.Holder != "live" {
				t.Errorf("took over as %+v after %+v", l, gone)
			}
			if wait := time.Since(start); wait < ttl/2 {
				t.Errorf("took over after %v, before the %v lease expired", wait, ttl)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no takeover")
		}
		if _, err := dead.Renew(ctx, gone, ttl); !errors.Is(err, lease.ErrLost) {
			t.Errorf("dead holder renewed: %v", err)
		}
	})
}

// When a renewal is refused (someone else holds the lease now), the work's
// context is cancelled.
func TestRunStopsWorkWhenLeaseLost(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		s := lease.New(db)
		ctx := ctxT(t)
		started, stopped := make(chan lease.Lease, 4), make(chan struct{}, 4)
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		go func() {
			_ = s.RunWith(runCtx, "cluster/9", "me", time.Minute,
				lease.RunOptions{RenewInterval: 20 * time.Millisecond, RetryInterval: time.Hour, Logger: quiet},
				func(ctx context.Context) error {
					l, _ := lease.FromContext(ctx)
					started <- l
					<-ctx.Done()
					stopped <- struct{}{}
					return ctx.Err()
				})
		}()
		l := <-started
		// Another replica takes the lease over behind our back.
		q := `UPDATE leases SET holder = 'thief', epoch = epoch + 1 WHERE name = 'cluster/9'`
		_, err := db.SQL.ExecContext(ctx, q)
		must(t, err)
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			t.Fatalf("work under lost lease %+v still running", l)
		}
	})
}

// When the database cannot be reached, the holder stops its work by its
// own clock, before the lease could expire for anybody else.
func TestRunStopsWorkBeforeTermEnds(t *testing.T) {
	url := dwtest.SQLiteURL(t)
	db := dwtest.Open(t, url)
	s := lease.New(db)
	ctx := ctxT(t)
	const ttl = 600 * time.Millisecond
	started, stopped := make(chan time.Time, 1), make(chan time.Time, 1)
	go func() {
		_ = s.RunWith(ctx, "cluster/3", "me", ttl, lease.RunOptions{RetryInterval: time.Hour, Logger: quiet},
			func(ctx context.Context) error {
				started <- time.Now()
				<-ctx.Done()
				stopped <- time.Now()
				return nil
			})
	}()
	t0 := <-started
	must(t, db.SQL.Close()) // renewals fail from now on
	select {
	case t1 := <-stopped:
		if t1.Sub(t0) >= ttl {
			t.Errorf("work stopped %v after acquiring, not before the %v term ended", t1.Sub(t0), ttl)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("work still running without renewals")
	}
}
