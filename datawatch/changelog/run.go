package changelog

import (
	"context"
	"math"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/bcs-io/bcs/ent/schema/gid"
)

// Run applies queued events until ctx ends. It returns nil on cancellation;
// events still queued then are not written (the next start's resync repairs
// storage). Run must be called once.
func (w *Writer) Run(ctx context.Context) error {
	defer close(w.done)
	defer w.stmts.close()
	defer w.release()
	var (
		batch []Event
		timer = time.NewTimer(time.Hour)
		begun time.Time // when the last batch began
	)
	timer.Stop()
	for {
		// Wait for the first item of a batch.
		var it item
		select {
		case it = <-w.queue:
		case <-ctx.Done():
			return nil
		}
		batch = batch[:0]
		var barrier *item
		if it.resync != nil || it.flush != nil {
			barrier = &it
		} else {
			batch = append(batch, it.ev)
			barrier = w.fill(ctx, &batch, timer, begun)
			if ctx.Err() != nil {
				return nil
			}
		}
		if len(batch) > 0 {
			begun = time.Now()
			if err := w.commit(ctx, batch); err != nil {
				w.failBarrier(barrier, err)
				return nil // ctx ended
			}
		}
		if barrier != nil {
			w.runBarrier(ctx, barrier)
		}
	}
}

// fill adds queued events to batch until it is full, a barrier comes (which
// it returns), or the batch's time is up: MaxLatency after the previous
// batch began. An event that finds the writer idle (that is past) goes at
// once with whatever else is queued; under a stream, batches begin at most
// once per MaxLatency and gather what arrived meanwhile, so a steady flow
// costs no more transactions than a fixed window would.
func (w *Writer) fill(ctx context.Context, batch *[]Event, timer *time.Timer, begun time.Time) *item {
	var due <-chan time.Time
	if wait := w.cfg.MaxLatency - time.Since(begun); wait > 0 {
		timer.Reset(wait)
		defer timer.Stop()
		due = timer.C
	}
	for len(*batch) < w.cfg.BatchSize {
		var it item
		if due == nil {
			select {
			case it = <-w.queue:
			default:
				return nil
			}
		} else {
			select {
			case it = <-w.queue:
			case <-due:
				return nil
			case <-ctx.Done():
				return nil
			}
		}
		if it.resync != nil || it.flush != nil {
			return &it
		}
		*batch = append(*batch, it.ev)
	}
	return nil
}

func (w *Writer) failBarrier(b *item, err error) {
	switch {
	case b == nil:
	case b.flush != nil:
		b.flush <- err
	case b.resync != nil:
		b.resync.done <- err
	}
}

func (w *Writer) runBarrier(ctx context.Context, b *item) {
	if b.flush != nil {
		b.flush <- nil
		return
	}
	r := b.resync
	events, err := w.diff(ctx, r)
	for err == nil && len(events) > 0 {
		n := min(len(events), w.cfg.BatchSize)
		err = w.commit(ctx, events[:n])
		events = events[n:]
	}
	r.done <- err
}

// commit applies one batch, retrying with backoff until it commits or ctx
// ends. Retrying is safe: after a failure the affected clusters' caches are
// dropped and reloaded, and the noise filter turns anything that did commit
// (an ambiguous commit error) into no-ops.
func (w *Writer) commit(ctx context.Context, batch []Event) error {
	backoff := wait.Backoff{Duration: 50 * time.Millisecond, Factor: 2, Cap: 5 * time.Second, Steps: math.MaxInt32}
	for {
		err := w.apply(ctx, batch)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.retries.Add(1)
		d := backoff.Step()
		w.log.Warn("changelog batch failed; retrying", "events", len(batch), "backoff", d, "err", err)
		w.forget(batch)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// forget drops the caches of the clusters in a failed batch.
func (w *Writer) forget(batch []Event) {
	for _, ev := range batch {
		delete(w.clusters, ev.ClusterID)
	}
}

// diff turns a resync into events: every current object as an upsert and a
// deletion for every stored object missing from current. Both go through
// the ordinary batches, whose noise filter drops what is already stored.
func (w *Writer) diff(ctx context.Context, r *resyncReq) ([]Event, error) {
	var have map[objKey]stored
	err := w.inTx(ctx, func(tx queryer) error {
		// Under the batch lock, so the listing is diffed against a state
		// no other writer is changing.
		_, heads, err := w.lockHead(ctx, tx, r.cluster)
		if err != nil {
			return err
		}
		c, err := w.prepareCluster(ctx, tx, r.cluster, heads)
		if err != nil || c == nil {
			return err
		}
		have, err = w.prepareKind(ctx, tx, c, r.cluster, r.kind)
		return err
	})
	if err != nil {
		return nil, err
	}
	events := r.current
	seen := make(map[objKey]struct{}, len(events))
	for _, ev := range events {
		seen[objKey{ev.Namespace, ev.Name}] = struct{}{}
	}
	for k := range have {
		if _, ok := seen[k]; !ok {
			events = append(events, Event{ClusterID: r.cluster, Kind: r.kind, Namespace: k.namespace, Name: k.name, Type: Deleted})
		}
	}
	return events, nil
}

// prepareCluster returns the cluster's cache, fenced against the database,
// or nil if the cluster does not exist.
func (w *Writer) prepareCluster(ctx context.Context, tx queryer, id gid.ID, known clusterHeads) (*clusterCache, error) {
	c := w.clusters[id]
	if c == nil {
		project, ok, err := w.clusterRow(ctx, tx, id)
		if err != nil || !ok {
			return nil, err
		}
		c = &clusterCache{project: project, head: -1}
		w.clusters[id] = c
	}
	if err := w.fence(ctx, tx, c, id, known); err != nil {
		return nil, err
	}
	return c, nil
}

func (w *Writer) prepareKind(ctx context.Context, tx queryer, c *clusterCache, id gid.ID, kind string) (map[objKey]stored, error) {
	if m, ok := c.kinds[kind]; ok {
		return m, nil
	}
	m, err := w.loadKind(ctx, tx, id, kind)
	if err != nil {
		return nil, err
	}
	c.kinds[kind] = m
	return m, nil
}
