package changelog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/change"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// incarnation is one life of an object's row, between an add and a delete.
// Its ID is settled by the upsert's RETURNING (a row that already existed
// keeps its ID).
type incarnation struct{ id gid.ID }

// op is one effective event: it becomes one Change.
type op struct {
	id      gid.ID // the Change's ID
	ev      *Event
	project gid.ID
	typ     change.Type
	rev     int64
	object  []byte // canonical JSON; nil for a DELETED whose projection is looked up
	inc     *incarnation
	prevRev int64 // DELETED: the object's latest revision, to copy its projection
	// workloadID links a pod row to its owner (nil: none found).
	workloadID any
}

// rowKey names an object across kinds within a batch.
type rowKey struct {
	cluster gid.ID
	kind    string
	objKey
}

// staged is the batch's view of an object, layered over the cache.
type staged struct {
	present bool
	stored
	inc *incarnation
}

// apply writes one batch in one transaction; the cache is updated only after
// the commit succeeds.
func (w *Writer) apply(ctx context.Context, batch []Event) error {
	var (
		ops   []*op
		stage = map[rowKey]*staged{}
		// final holds, per object with a row, what its row must become;
		// deleted the rows removed in this batch (by ID, when known).
		// Deletes run first, so a delete and re-add in one batch gives a
		// new row.
		final   = map[rowKey]*op{}
		deleted = map[rowKey]gid.ID{}
		head    int64
		// Counted once the batch commits (a failed try is retried).
		rejected, unchanged int64
	)
	begin := time.Now()
	now := dbTime(begin)
	err := w.inTx(ctx, func(tx queryer) error {
		rejected, unchanged = 0, 0
		var err error
		var heads clusterHeads
		if head, heads, err = w.lockHead(ctx, tx, batch[0].ClusterID); err != nil {
			return err
		}
		clusters := map[gid.ID]*clusterCache{}
		for i := range batch {
			ev := &batch[i]
			c, ok := clusters[ev.ClusterID]
			if !ok {
				if c, err = w.prepareCluster(ctx, tx, ev.ClusterID, heads); err != nil {
					return err
				}
				clusters[ev.ClusterID] = c
			}
			if c == nil || (ev.ProjectID != "" && ev.ProjectID != c.project) {
				rejected++
				w.log.Warn("event refused: unknown cluster or wrong project", "cluster", ev.ClusterID, "project", ev.ProjectID, "kind", ev.Kind, "namespace", ev.Namespace, "name", ev.Name)
				continue
			}
			have, err := w.prepareKind(ctx, tx, c, ev.ClusterID, ev.Kind)
			if err != nil {
				return err
			}
			key := rowKey{ev.ClusterID, ev.Kind, objKey{ev.Namespace, ev.Name}}
			s := stage[key]
			if s == nil {
				cur, ok := have[key.objKey]
				s = &staged{present: ok, stored: cur}
				if ok {
					s.inc = &incarnation{id: cur.id}
				}
				stage[key] = s
			}
			o, err := w.effect(ev, c.project, s, head+1)
			if err != nil {
				return err
			}
			if o == nil {
				unchanged++
				continue
			}
			head++
			ops = append(ops, o)
			if TableFor(ev.Kind) != LogOnly {
				if o.typ == change.TypeDELETED {
					deleted[key] = o.inc.id
					delete(final, key)
				} else {
					final[key] = o
				}
			}
		}
		if len(ops) == 0 {
			return nil
		}
		if err := w.fillDeleted(ctx, tx, ops); err != nil {
			return err
		}
		if err := w.writeRows(ctx, tx, deleted, final, now); err != nil {
			return err
		}
		var notify int64
		if w.d.pg() && !w.cfg.NoNotify {
			notify = head
		}
		return w.insertChanges(ctx, tx, ops, now, notify)
	})
	if err != nil {
		return err
	}
	committed := time.Now()
	w.commitTime.Observe(committed.Sub(begin).Seconds())
	for _, o := range ops { // noise was never going to be seen: not counted
		if t := o.ev.Observed; !t.IsZero() {
			w.latency.Observe(committed.Sub(t).Seconds())
		}
	}
	w.batches.Add(1)
	w.changes.Add(int64(len(ops)))
	w.rejected.Add(rejected)
	w.unchanged.Add(unchanged)
	w.settle(stage, ops)
	if len(ops) > 0 && w.cfg.OnCommit != nil {
		w.cfg.OnCommit(toChanges(ops, now))
	}
	return nil
}

// effect decides what an event does to the staged object: nil for noise.
func (w *Writer) effect(ev *Event, project gid.ID, s *staged, rev int64) (*op, error) {
	if ev.Type == Deleted {
		if !s.present {
			return nil, nil
		}
		o := &op{ev: ev, project: project, typ: change.TypeDELETED, rev: rev, inc: s.inc, prevRev: s.revision}
		if ev.Object != nil {
			b, err := ev.encoding()
			if err != nil {
				return nil, err
			}
			o.object = b
		}
		s.present = false
		s.stored = stored{}
		s.inc = nil
		return o, nil
	}
	b, err := ev.encoding()
	if err != nil {
		return nil, err
	}
	d := digestOf(b)
	if s.present && s.digest == d {
		return nil, nil
	}
	o := &op{ev: ev, project: project, typ: change.TypeMODIFIED, rev: rev, object: b}
	if !s.present {
		o.typ = change.TypeADDED
		s.present = true
		s.inc = &incarnation{}
		if p := prefixes[TableFor(ev.Kind)]; p != "" {
			s.inc.id = gid.New(p)
		}
	}
	o.inc = s.inc
	s.digest, s.revision = d, rev
	return o, nil
}

// clusterHeads is a cluster's highest revision, read with the batch head so
// that fencing the batch's first cluster costs no statement of its own.
type clusterHeads struct {
	id   gid.ID
	head int64
}

// lockHead serialises batches across writers and returns the current head,
// and that of cluster.
func (w *Writer) lockHead(ctx context.Context, tx queryer, cluster gid.ID) (int64, clusterHeads, error) {
	if w.d.pg() {
		// Its own statement: the head must be read with a snapshot taken
		// after the lock is held.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, advisoryKey); err != nil {
			return 0, clusterHeads{}, fmt.Errorf("take changelog lock: %w", err)
		}
	}
	var head, ch sql.NullInt64
	if err := tx.QueryRowContext(ctx, w.d.q(`SELECT (SELECT MAX(revision) FROM changes), (SELECT MAX(revision) FROM changes WHERE cluster_id = ?)`), cluster).Scan(&head, &ch); err != nil {
		return 0, clusterHeads{}, fmt.Errorf("read head revision: %w", err)
	}
	return head.Int64, clusterHeads{id: cluster, head: ch.Int64}, nil
}

// fillDeleted copies the last stored projection into DELETED changes whose
// source sent none (resync deletions, tombstones).
func (w *Writer) fillDeleted(ctx context.Context, tx queryer, ops []*op) error {
	want := map[int64][]*op{}
	var revs []any
	for _, o := range ops {
		if o.typ == change.TypeDELETED && o.object == nil && o.prevRev > 0 {
			if _, ok := want[o.prevRev]; !ok {
				revs = append(revs, o.prevRev)
			}
			want[o.prevRev] = append(want[o.prevRev], o)
		}
	}
	// A DELETED of an object added in this same batch takes that op's object.
	for _, o := range ops {
		if list, ok := want[o.rev]; ok && o.object != nil {
			for _, d := range list {
				d.object = o.object
			}
		}
	}
	for len(revs) > 0 {
		n := min(len(revs), maxParams)
		rows, err := tx.QueryContext(ctx, w.d.q(`SELECT revision, object FROM changes WHERE revision IN (`+placeholders(n)+`)`), revs[:n]...)
		if err != nil {
			return fmt.Errorf("read deleted objects: %w", err)
		}
		for rows.Next() {
			var (
				rev int64
				obj []byte
			)
			if err := rows.Scan(&rev, &obj); err != nil {
				rows.Close()
				return fmt.Errorf("read deleted objects: %w", err)
			}
			for _, d := range want[rev] {
				if d.object == nil {
					d.object = obj
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read deleted objects: %w", err)
		}
		revs = revs[n:]
	}
	return nil
}

// settle moves the committed batch into the cache.
func (w *Writer) settle(stage map[rowKey]*staged, ops []*op) {
	for k, s := range stage {
		c := w.clusters[k.cluster]
		if c == nil {
			continue
		}
		m := c.kinds[k.kind]
		if m == nil {
			continue
		}
		if s.present {
			s.stored.id = s.inc.id
			m[k.objKey] = s.stored
		} else {
			delete(m, k.objKey)
		}
	}
	for _, o := range ops {
		if c := w.clusters[o.ev.ClusterID]; c != nil && o.rev > c.head {
			c.head = o.rev
		}
	}
}

func toChanges(ops []*op, now time.Time) []*ent.Change {
	out := make([]*ent.Change, len(ops))
	for i, o := range ops {
		c := &ent.Change{
			ID: o.id, Revision: o.rev, ClusterID: o.ev.ClusterID, ProjectID: o.project,
			Kind: o.ev.Kind, Namespace: o.ev.Namespace, Name: o.ev.Name, Type: o.typ, CreatedAt: now,
		}
		if o.inc != nil {
			c.ObjectID = o.inc.id
		}
		if o.ev.Object != nil {
			c.Object = o.ev.Object
		} else if o.object != nil {
			_ = json.Unmarshal(o.object, &c.Object)
		}
		out[i] = c
	}
	return out
}

// inTx runs fn in a transaction (IMMEDIATE on SQLite, so writers queue).
func (w *Writer) inTx(ctx context.Context, fn func(tx queryer) error) error {
	tx, err := w.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin changelog transaction: %w", err)
	}
	var q queryer = tx
	if !w.d.pg() {
		q = cachedTx{tx: tx, cache: &w.stmts}
	}
	if err := fn(q); err != nil {
		_ = tx.Rollback()
		w.release()
		return err
	}
	if err := tx.Commit(); err != nil {
		w.release()
		return fmt.Errorf("commit changelog transaction: %w", err)
	}
	return nil
}

// begin starts a transaction. On PostgreSQL the writer keeps one connection
// for its transactions: a connection taken from the pool anew is checked
// with a ping first (pgx does so when it was idle for a second), a round
// trip more before each batch whenever other work took the last one.
// SQLite's connections are shared with every other writer, so each batch
// takes one from the pool.
func (w *Writer) begin(ctx context.Context) (*sql.Tx, error) {
	if !w.d.pg() {
		return w.db.SQL.BeginTx(ctx, nil)
	}
	if w.conn == nil {
		c, err := w.db.SQL.Conn(ctx)
		if err != nil {
			return nil, err
		}
		w.conn = c
	}
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		w.release()
	}
	return tx, err
}

// release gives the held connection back after a failure: the next batch
// starts on a connection the pool has checked.
func (w *Writer) release() {
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn = nil
	}
}
