package hub

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/internal/auth"
)

// ErrSlowConsumer is what a *SlowConsumerError is (errors.Is).
var ErrSlowConsumer = errors.New("subscriber too slow")

// SlowConsumerError closes a subscription whose buffer overflowed.
// Resubscribing with since = LastRevision misses nothing.
type SlowConsumerError struct {
	LastRevision int64 // the last revision delivered on C
	Buffer       int
}

func (e *SlowConsumerError) Error() string {
	return fmt.Sprintf("%v: its buffer of %d changes filled up; resume with since = %d", ErrSlowConsumer, e.Buffer, e.LastRevision)
}

// Is makes errors.Is(err, ErrSlowConsumer) true.
func (e *SlowConsumerError) Is(target error) bool { return target == ErrSlowConsumer }

// errUnsubscribed is the cause of Close; Err reports nil for it.
var errUnsubscribed = errors.New("unsubscribed")

// Subscription is one subscriber's stream of Changes.
type Subscription struct {
	// C delivers matching Changes in revision order. It is closed when the
	// subscription ends; Err then says why. The Changes are shared with
	// other subscribers: do not modify them.
	C <-chan *ent.Change

	ch     chan *ent.Change
	h      *Hub
	filter changelog.Filter
	viewer *auth.Viewer  // whose scope the filter holds; nil: BCS itself
	quit   chan struct{} // closed when the subscription ends
	last   atomic.Int64  // last revision sent on ch

	// Guarded by h.mu.
	idx       int
	replaying bool // ch belongs to the replay goroutine, live Changes wait in pending
	pending   []*ent.Change
	overflow  bool // pending overflowed: re-read the log
	ended     bool
	chClosed  bool
	cause     error
	stopCtx   func() bool
}

// Subscribe registers a subscriber for Changes matching filter. With since,
// it first replays every matching Change after that revision from the log
// (failing with changelog.ErrRevisionCompacted or ErrFutureRevision if it
// cannot), then continues live; without, it starts with the next Change.
// buffer bounds the Changes waiting on C (default 64). The subscription ends
// when ctx ends, on Close, or when it falls behind.
func (h *Hub) Subscribe(ctx context.Context, filter changelog.Filter, since *int64, buffer int) (*Subscription, error) {
	select {
	case <-h.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if buffer <= 0 {
		buffer = 64
	}
	ch := make(chan *ent.Change, buffer)
	s := &Subscription{C: ch, ch: ch, h: h, filter: filter, viewer: auth.FromContext(ctx), quit: make(chan struct{}), replaying: since != nil}
	if since != nil {
		// As if the subscriber had seen since: the dispatcher may lag
		// behind the log and offer older Changes, which are dropped.
		s.last.Store(*since)
	}
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return nil, ErrStopped
	}
	// Registered before the replay reads the log, so anything committed
	// after the read is held in pending: the seam has no gap.
	h.add(s)
	h.mu.Unlock()

	var (
		first  []*ent.Change
		cursor int64
	)
	if since != nil {
		var err error
		first, cursor, err = h.log.Page(ctx, *since, filter, h.cfg.PageSize)
		if err != nil {
			h.mu.Lock()
			h.remove(s)
			h.mu.Unlock()
			return nil, err
		}
	}
	h.mu.Lock()
	if !s.ended {
		s.stopCtx = context.AfterFunc(ctx, func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			s.fail(ctx.Err())
		})
	}
	h.mu.Unlock()
	if since != nil {
		go s.replay(ctx, first, cursor)
	}
	return s, nil
}

// Close ends the subscription; C is closed and Err reports nil.
func (s *Subscription) Close() {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	s.fail(errUnsubscribed)
}

// Err reports why C was closed: nil after Close, the context's error, a
// *SlowConsumerError, changelog.ErrRevisionCompacted (the hub fell behind
// retention), or ErrStopped.
func (s *Subscription) Err() error {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	return s.errLocked()
}

func (s *Subscription) errLocked() error {
	switch {
	case !s.chClosed, s.cause == errUnsubscribed:
		return nil
	case s.cause == ErrSlowConsumer:
		return &SlowConsumerError{LastRevision: s.last.Load(), Buffer: cap(s.ch)}
	}
	return s.cause
}

// LastRevision is the last revision sent on C (0 if none).
func (s *Subscription) LastRevision() int64 { return s.last.Load() }

// offer delivers a live Change; h.mu is held.
func (s *Subscription) offer(c *ent.Change) {
	if s.ended {
		return
	}
	if err := s.viewer.Err(); err != nil {
		// The filter was built from a scope that no longer holds (a token
		// revoked, a member removed): nothing more may reach it.
		s.fail(err)
		return
	}
	if s.replaying {
		if len(s.pending) >= cap(s.ch) {
			s.overflow, s.pending = true, nil
			return
		}
		s.pending = append(s.pending, c)
		return
	}
	if c.Revision <= s.last.Load() {
		// The replay read the log ahead of the dispatcher: already sent.
		return
	}
	select {
	case s.ch <- c:
		s.last.Store(c.Revision)
	default:
		s.fail(ErrSlowConsumer)
	}
}

// fail ends the subscription; h.mu is held. While replaying, the replay
// goroutine owns ch and closes it on its way out.
func (s *Subscription) fail(cause error) {
	if s.ended {
		return
	}
	s.ended, s.cause = true, cause
	s.h.remove(s)
	close(s.quit)
	if s.stopCtx != nil {
		s.stopCtx()
	}
	if !s.replaying {
		s.closeCh()
	}
}

func (s *Subscription) closeCh() {
	if !s.chClosed {
		s.chClosed = true
		close(s.ch)
	}
}

// replay sends the log after since, then the held-back live Changes, then
// hands ch over to the dispatcher.
func (s *Subscription) replay(ctx context.Context, page []*ent.Change, cursor int64) {
	h := s.h
	full := len(page) == h.cfg.PageSize
	defer func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if s.ended {
			s.closeCh()
		}
	}()
	for {
		for _, c := range page {
			if c.Revision <= s.last.Load() {
				continue
			}
			if err := s.viewer.Err(); err != nil {
				h.mu.Lock()
				s.fail(err)
				h.mu.Unlock()
				return
			}
			select {
			case s.ch <- c:
				s.last.Store(c.Revision)
			case <-s.quit:
				return
			}
		}
		if full {
			var err error
			if page, cursor, err = h.log.Page(ctx, cursor, s.filter, h.cfg.PageSize); err != nil {
				h.mu.Lock()
				s.fail(err)
				h.mu.Unlock()
				return
			}
			full = len(page) == h.cfg.PageSize
			continue
		}
		// Caught up with the log as read: take the held-back Changes, or
		// go live if there are none.
		h.mu.Lock()
		switch {
		case s.ended:
			h.mu.Unlock()
			return
		case s.overflow:
			s.overflow, s.pending = false, nil
			h.mu.Unlock()
			full = true // read the log again from cursor
			page = nil
			continue
		case len(s.pending) == 0:
			s.replaying = false
			h.mu.Unlock()
			return
		}
		held := s.pending
		s.pending = nil
		h.mu.Unlock()
		// Held-back Changes the replay already covered are dropped.
		page = page[:0]
		for _, c := range held {
			if c.Revision > cursor {
				page = append(page, c)
			}
		}
		if n := len(page); n > 0 {
			cursor = page[n-1].Revision
		}
	}
}
