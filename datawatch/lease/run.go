package lease

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

type ctxKey struct{}

// FromContext returns the lease under which fn (see Run) is running, so
// that its writes can carry the epoch as a fence.
func FromContext(ctx context.Context) (Lease, bool) {
	l, ok := ctx.Value(ctxKey{}).(Lease)
	return l, ok
}

// RunOptions tunes Run. Zero values take the defaults.
type RunOptions struct {
	// RetryInterval is how often a non-holder tries to acquire; default
	// ttl/3.
	RetryInterval time.Duration
	// RenewInterval is how often the holder renews; default ttl/3, so two
	// renewals can fail before the term ends.
	RenewInterval time.Duration
	Logger        *slog.Logger
	// OnState, if set, is told when this holder starts (true) and stops
	// (false) holding the lease. For tests and metrics.
	OnState func(held bool, l Lease)
}

// Run runs fn whenever holder holds the lease name, until ctx ends. It
// contends for the lease, runs fn under it, renews it, and cancels fn's
// context when a renewal is refused or the term runs out without one (the
// lease is lost), then waits for fn to return and contends again. An
// expired lease of a dead holder is taken over.
//
// If fn returns by itself, Run releases the lease and returns fn's error.
// When ctx ends, Run cancels fn, waits for it, releases the lease and
// returns nil.
func (s *Store) Run(ctx context.Context, name, holder string, ttl time.Duration, fn func(ctx context.Context) error) error {
	return s.RunWith(ctx, name, holder, ttl, RunOptions{}, fn)
}

// RunWith is Run with options.
func (s *Store) RunWith(ctx context.Context, name, holder string, ttl time.Duration, o RunOptions, fn func(ctx context.Context) error) error {
	if o.RetryInterval <= 0 {
		o.RetryInterval = ttl / 3
	}
	if o.RenewInterval <= 0 {
		o.RenewInterval = ttl / 3
	}
	if o.Logger == nil {
		o.Logger = s.Logger
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	lg := o.Logger.With("component", "lease", "lease", name, "holder", holder)
	for {
		l, err := s.Acquire(ctx, name, holder, ttl)
		switch {
		case err == nil:
			lg.Info("lease acquired", "epoch", l.Epoch)
			done, fnErr := s.hold(ctx, l, ttl, o, lg, fn)
			if done {
				return fnErr
			}
		case ctx.Err() != nil:
			return nil
		case !errors.Is(err, ErrHeld):
			lg.Warn("acquire lease", "err", err)
		}
		t := time.NewTimer(o.RetryInterval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil
		}
	}
}

// hold runs fn under l, renewing it, until fn returns (done), ctx ends
// (done) or the lease is lost (not done).
func (s *Store) hold(ctx context.Context, l Lease, ttl time.Duration, o RunOptions, lg *slog.Logger, fn func(context.Context) error) (done bool, err error) {
	kctx, stopRenewing := context.WithCancel(ctx)
	defer stopRenewing()
	lost := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		s.renew(kctx, l, ttl, o.RenewInterval, lg, lost)
	}()
	release := func() {
		stopRenewing()
		<-renewed
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), ttl)
		defer rcancel()
		if err := s.Release(rctx, l); err != nil {
			lg.Warn("release lease", "err", err)
		}
	}
	return term(ctx, l, lost, release, o.OnState, lg, fn)
}

// renew keeps l renewed until ctx ends; it closes lost when a renewal is
// refused or the term runs out without one.
func (s *Store) renew(ctx context.Context, l Lease, ttl, every time.Duration, lg *slog.Logger, lost chan<- struct{}) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	deadline := time.NewTimer(time.Until(l.Deadline()))
	defer deadline.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			lg.Warn("lease term ran out without a renewal", "epoch", l.Epoch)
			close(lost)
			return
		case <-tick.C:
			rctx, rcancel := context.WithDeadline(ctx, l.Deadline())
			nl, err := s.Renew(rctx, l, ttl)
			rcancel()
			switch {
			case err == nil && nl.Deadline().After(time.Now()):
				l = nl
				deadline.Reset(time.Until(l.Deadline()))
			case errors.Is(err, ErrLost):
				close(lost)
				return
			case err != nil && ctx.Err() == nil:
				// Transient: keep trying until the term runs out.
				lg.Warn("renew lease", "err", err)
			}
		}
	}
}

// term runs fn as the holder of l, whichever store keeps the lease: until
// fn returns (done, with fn's error), ctx ends (done, nil; fn is cancelled
// first) or lost is closed (not done: fn is cancelled and the caller
// contends again). release runs once fn has returned, unless the lease was
// lost; onState hears of the start and of the end of the work.
func term(ctx context.Context, l Lease, lost <-chan struct{}, release func(), onState func(bool, Lease), lg *slog.Logger, fn func(context.Context) error) (done bool, err error) {
	fctx, cancel := context.WithCancel(context.WithValue(ctx, ctxKey{}, l))
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- fn(fctx) }()
	if onState != nil {
		onState(true, l)
	}
	// ended follows fn's return: the lease must outlast the work.
	ended := func(err error) error {
		cancel()
		if onState != nil {
			onState(false, l)
		}
		return err
	}
	select {
	case err := <-result:
		err = ended(err)
		release()
		lg.Info("lease released: work finished", "epoch", l.Epoch, "err", err)
		return true, err
	case <-ctx.Done():
		cancel()
		err := ended(<-result)
		release()
		lg.Info("lease released: stopping", "epoch", l.Epoch)
		if err != nil && !errors.Is(err, context.Canceled) {
			lg.Warn("work under lease failed while stopping", "err", err)
		}
		return true, nil
	case <-lost:
		lg.Warn("lease lost; stopping work", "epoch", l.Epoch)
		cancel()
		ended(<-result)
		return false, nil
	}
}
