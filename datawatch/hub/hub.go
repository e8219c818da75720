package hub

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent"
)

// ErrStopped closes subscriptions when the hub stops, and refuses new ones.
var ErrStopped = errors.New("change hub stopped")

// Config tunes a Hub. Zero values take the defaults.
type Config struct {
	// Notifier wakes the hub when other replicas commit (PGNotifier). Nil
	// on SQLite, where the local writer's Publish is the only source.
	Notifier Notifier
	// PollInterval is the safety-net check of the log head, for wake-ups
	// lost while a notifier reconnects; default 5s, negative disables.
	PollInterval time.Duration
	// PageSize is how many Changes one log read fetches; default 500.
	PageSize int
	// MaxPending bounds published Changes waiting for dispatch; beyond it
	// they are dropped and read back from the log. Default 65536.
	MaxPending int
	Logger     *slog.Logger
}

// Hub fans Changes out to subscribers; see the package doc.
type Hub struct {
	log   *changelog.Log
	cfg   Config
	lg    *slog.Logger
	ready chan struct{} // closed once head is known
	kick  chan struct{}

	pmu    sync.Mutex
	pub    []*ent.Change // handed over by Publish, not yet dispatched
	target atomic.Int64  // a revision known to be committed
	poll   atomic.Bool   // the head should be read from the log

	head int64 // last dispatched revision; dispatcher goroutine only

	mu      sync.Mutex
	subs    []*Subscription
	stopped bool
}

// New returns a Hub reading from log; call Run to start it.
func New(log *changelog.Log, cfg Config) *Hub {
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 5 * time.Second
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 500
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 1 << 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Hub{
		log: log, cfg: cfg, lg: cfg.Logger.With("component", "hub"),
		ready: make(chan struct{}), kick: make(chan struct{}, 1),
	}
}

// Publish hands over Changes just committed in this process, in revision
// order (changelog.Config.OnCommit). It never blocks.
func (h *Hub) Publish(changes []*ent.Change) {
	if len(changes) == 0 {
		return
	}
	h.pmu.Lock()
	if len(h.pub)+len(changes) > h.cfg.MaxPending {
		// The dispatcher is far behind: let it read the log instead.
		h.pub = nil
		h.raise(changes[len(changes)-1].Revision)
	} else {
		h.pub = append(h.pub, changes...)
	}
	h.pmu.Unlock()
	h.wakeUp()
}

// Wake tells the hub that revision is committed (a notification from
// another replica); revision <= 0 means "check the log head".
func (h *Hub) Wake(revision int64) {
	if revision <= 0 {
		h.poll.Store(true)
	} else {
		h.raise(revision)
	}
	h.wakeUp()
}

func (h *Hub) raise(rev int64) {
	for {
		cur := h.target.Load()
		if rev <= cur || h.target.CompareAndSwap(cur, rev) {
			return
		}
	}
}

func (h *Hub) wakeUp() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx ends, then closes every subscription with
// ErrStopped. It fails only if the log head cannot be read at start.
func (h *Hub) Run(ctx context.Context) error {
	head, err := h.log.Head(ctx)
	if err != nil {
		h.stop()
		return err
	}
	h.head = head
	h.target.Store(head)
	close(h.ready)
	defer h.stop()
	if h.cfg.Notifier != nil {
		go func() {
			if err := h.cfg.Notifier.Listen(ctx, h.Wake); err != nil {
				h.lg.Error("change notifier stopped", "err", err)
			}
		}()
	}
	var tick <-chan time.Time
	if h.cfg.PollInterval > 0 {
		t := time.NewTicker(h.cfg.PollInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.kick:
		case <-tick:
			h.poll.Store(true)
		}
		h.drain(ctx)
	}
}

// drain dispatches everything known to be committed, in revision order.
func (h *Hub) drain(ctx context.Context) {
	if h.poll.Swap(false) {
		if head, err := h.log.Head(ctx); err == nil {
			h.raise(head)
		} else if ctx.Err() == nil {
			h.lg.Warn("read change log head", "err", err)
		}
	}
	h.pmu.Lock()
	pub := h.pub
	h.pub = nil
	h.pmu.Unlock()
	for _, c := range pub {
		if c.Revision <= h.head {
			continue
		}
		if c.Revision > h.head+1 && !h.catchUp(ctx, c.Revision-1) {
			// The log is unreadable for now: what was handed over stays
			// known through target and is read back later.
			h.raise(pub[len(pub)-1].Revision)
			return
		}
		if c.Revision == h.head+1 {
			h.dispatch(c)
		}
	}
	if t := h.target.Load(); t > h.head {
		h.catchUp(ctx, t)
	}
}

// catchUp reads the log up to at least rev and dispatches it. It reports
// false if the log could not be read.
func (h *Hub) catchUp(ctx context.Context, rev int64) bool {
	for h.head < rev {
		page, covered, err := h.log.Page(ctx, h.head, changelog.Filter{AllProjects: true}, h.cfg.PageSize)
		if errors.Is(err, changelog.ErrRevisionCompacted) {
			// The hub stalled for longer than retention: nobody can be
			// told what they missed, so everybody must re-list.
			h.lg.Error("change hub fell behind compaction; closing subscriptions", "head", h.head, "err", err)
			h.failAll(err)
			if head, herr := h.log.Head(ctx); herr == nil {
				h.head = head
			}
			return true
		}
		if err != nil {
			if ctx.Err() == nil {
				h.lg.Warn("read change log", "after", h.head, "err", err)
			}
			return false
		}
		for _, c := range page {
			h.dispatch(c)
		}
		h.head = max(h.head, covered)
		if len(page) == 0 && covered < rev {
			return true // not visible yet; a later wake-up or poll will come
		}
	}
	return true
}

// dispatch offers one Change to every matching subscriber without blocking.
func (h *Hub) dispatch(c *ent.Change) {
	h.head = c.Revision
	h.mu.Lock()
	defer h.mu.Unlock()
	// offer may remove subscribers (swap with the last), so walk backwards.
	for i := len(h.subs) - 1; i >= 0; i-- {
		s := h.subs[i]
		if s.filter.Match(c) {
			s.offer(c)
		}
	}
}

func (h *Hub) add(s *Subscription) {
	s.idx = len(h.subs)
	h.subs = append(h.subs, s)
}

func (h *Hub) remove(s *Subscription) {
	if s.idx < 0 {
		return
	}
	last := h.subs[len(h.subs)-1]
	h.subs[s.idx] = last
	last.idx = s.idx
	h.subs[len(h.subs)-1] = nil
	h.subs = h.subs[:len(h.subs)-1]
	s.idx = -1
}

func (h *Hub) failAll(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.subs) > 0 {
		h.subs[len(h.subs)-1].fail(err)
	}
}

func (h *Hub) stop() {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
	h.failAll(ErrStopped)
	select {
	case <-h.ready:
	default:
		close(h.ready)
	}
}

// Subscribers returns the number of open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
