package changelog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/storage"
)

// NotifyChannel is the PostgreSQL channel on which every batch announces the
// new head revision (payload: decimal revision), delivered at commit.
const NotifyChannel = "bcs_changes"

// advisoryKey is the pg_advisory_xact_lock key that serialises batches from
// all writers on one database ("bcs_chg").
const advisoryKey int64 = 0x6263735f636867

// Config tunes a Writer. Zero values take the defaults.
type Config struct {
	BatchSize int // events per transaction; default 500
	// MaxLatency paces transactions: a batch begins no sooner than
	// MaxLatency after the previous one began, gathering what arrives
	// meanwhile, so a stream costs at most one transaction per MaxLatency.
	// A change that finds the writer idle (the previous batch began longer
	// ago) is committed at once. Default 5ms; negative: batches begin as
	// soon as the previous one committed (more CPU under a stream).
	MaxLatency time.Duration
	QueueSize  int // events buffered before Submit blocks; default 8×BatchSize
	// OnCommit, if set, is called after each commit with the batch's
	// Changes in revision order, from the writer's goroutine; it must not
	// block (hub.Publish does not). The slice and Changes are shared: do not
	// modify them.
	OnCommit func([]*ent.Change)
	// NoNotify turns off pg_notify on NotifyChannel (PostgreSQL only).
	NoNotify bool
	Logger   *slog.Logger
}

func (c *Config) defaults() {
	if c.MaxLatency == 0 {
		c.MaxLatency = 5 * time.Millisecond
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 8 * c.BatchSize
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Stats counts what a Writer did since it was created.
type Stats struct {
	Submitted int64 // events accepted by Submit and Resync
	Changes   int64 // Changes committed
	Unchanged int64 // events dropped because storage already had them
	Rejected  int64 // events for clusters that do not exist
	Batches   int64 // committed transactions
	Retries   int64 // failed transactions that were retried
}

// ErrStopped is returned by Submit, Resync and Flush once Run has returned.
var ErrStopped = errors.New("changelog writer stopped")

// Writer applies Events to storage and the change log; see the package doc.
type Writer struct {
	db    *storage.DB
	d     dialectSQL
	cfg   Config
	log   *slog.Logger
	queue chan item
	done  chan struct{} // closed when Run returns

	clusters map[gid.ID]*clusterCache // owned by the Run goroutine
	stmts    stmtCache
	conn     *sql.Conn // PostgreSQL: the transactions' connection; Run goroutine only

	submitted, changes, unchanged, rejected, batches, retries atomic.Int64

	latency, commitTime prometheus.Histogram
}

// item is one queue entry: an event, or a barrier (resync or flush) that is
// handled after every event queued before it is committed.
type item struct {
	ev     Event
	resync *resyncReq
	flush  chan error
}

type resyncReq struct {
	cluster gid.ID
	kind    string
	current []Event
	done    chan error
}

// NewWriter returns a Writer on db; call Run to start it.
func NewWriter(db *storage.DB, cfg Config) *Writer {
	cfg.defaults()
	return &Writer{
		db:       db,
		d:        dialectSQL(db.Dialect),
		cfg:      cfg,
		log:      cfg.Logger.With("component", "changelog"),
		queue:    make(chan item, cfg.QueueSize),
		done:     make(chan struct{}),
		clusters: map[gid.ID]*clusterCache{},
		stmts:    stmtCache{db: db.SQL},
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "bcs_changelog_event_latency_seconds",
			Help:    "From a source observing a change (or submitting it) to its commit in the change log; events that changed nothing are not counted.",
			Buckets: latencyBuckets}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "bcs_changelog_commit_seconds",
			Help:    "Duration of change-log write transactions, from begin to commit.",
			Buckets: latencyBuckets}),
	}
}

// latencyBuckets resolve the milliseconds a change spends between its
// source and the log.
var latencyBuckets = []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 5}

// Collectors are the Writer's latency histograms, for a Prometheus registry.
func (w *Writer) Collectors() []prometheus.Collector {
	return []prometheus.Collector{w.latency, w.commitTime}
}

// Stats returns the counters.
func (w *Writer) Stats() Stats {
	return Stats{
		Submitted: w.submitted.Load(), Changes: w.changes.Load(), Unchanged: w.unchanged.Load(),
		Rejected: w.rejected.Load(), Batches: w.batches.Load(), Retries: w.retries.Load(),
	}
}

// Submit queues events in order, blocking while the queue is full. It
// returns once they are queued, not committed (see Flush). A malformed event
// is refused before any of the events is queued.
func (w *Writer) Submit(ctx context.Context, events ...Event) error {
	encoded := make([]Event, len(events))
	now := time.Now()
	for i, ev := range events {
		if ev.Observed.IsZero() {
			ev.Observed = now
		}
		if err := ev.validate(); err != nil {
			return err
		}
		if err := ev.encode(); err != nil {
			return err
		}
		encoded[i] = ev
	}
	for _, ev := range encoded {
		if err := w.enqueue(ctx, item{ev: ev}); err != nil {
			return err
		}
		w.submitted.Add(1)
	}
	return nil
}

// Flush waits until everything queued before it is committed.
func (w *Writer) Flush(ctx context.Context) error {
	done := make(chan error, 1)
	if err := w.enqueue(ctx, item{flush: done}); err != nil {
		return err
	}
	return w.wait(ctx, done)
}

// Resync makes storage hold exactly current for one cluster and kind: events
// in current are applied as upserts (unchanged ones are dropped as noise) and
// stored objects missing from current are deleted. It runs in queue order,
// so events submitted before it are applied first and events submitted after
// it see its result. It returns when the difference is committed.
//
// current must be a complete, consistent listing of the kind in the whole
// cluster (an informer's store after sync, a LIST at one resourceVersion);
// its Types are ignored. An empty current deletes everything stored for the
// kind, so a source that failed to list must not call Resync.
func (w *Writer) Resync(ctx context.Context, clusterID gid.ID, kind string, current []Event) error {
	cur := make([]Event, len(current))
	err := parallel(len(current), func(i int) error {
		ev := current[i]
		if ev.ClusterID != clusterID || ev.Kind != kind {
			return fmt.Errorf("%w: resync of %s in cluster %s got %s in cluster %s", ErrInvalidEvent, kind, clusterID, ev.Kind, ev.ClusterID)
		}
		ev.Type = Modified
		if err := ev.validate(); err != nil {
			return err
		}
		if err := ev.encode(); err != nil {
			return err
		}
		cur[i] = ev
		return nil
	})
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	if err := w.enqueue(ctx, item{resync: &resyncReq{cluster: clusterID, kind: kind, current: cur, done: done}}); err != nil {
		return err
	}
	w.submitted.Add(int64(len(cur)))
	return w.wait(ctx, done)
}

func (w *Writer) enqueue(ctx context.Context, it item) error {
	select {
	case <-w.done:
		return ErrStopped
	default:
	}
	select {
	case w.queue <- it:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("submit to changelog: %w", ctx.Err())
	case <-w.done:
		return ErrStopped
	}
}

func (w *Writer) wait(ctx context.Context, done chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		// Run may have finished the request just before it returned.
		select {
		case err := <-done:
			return err
		default:
			return ErrStopped
		}
	}
}
