package changelog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/bcs-io/bcs/ent/schema/gid"
)

// digest identifies a projection: the first 16 bytes of the SHA-256 of its
// canonical JSON (encoding/json sorts map keys).
type digest [16]byte

func digestOf(canonical []byte) digest {
	sum := sha256.Sum256(canonical)
	var d digest
	copy(d[:], sum[:])
	return d
}

// canonical re-encodes stored JSON the way marshal encodes a source's
// map, so a projection read back from PostgreSQL's jsonb (which reorders keys
// and spacing) hashes like the one the source sends. UseNumber keeps numbers
// as written.
func canonical(stored []byte) ([]byte, error) {
	if len(stored) == 0 {
		return []byte("null"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(stored))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return marshal(v)
}

// objKey names an object within one cluster and kind.
type objKey struct{ namespace, name string }

// stored is what the cache knows of one existing object.
type stored struct {
	digest   digest
	revision int64  // latest Change of the object
	id       gid.ID // its row's ID; empty for log-only kinds
}

// clusterCache is the writer's knowledge of one cluster.
type clusterCache struct {
	project gid.ID
	// head is the highest revision of this cluster's Changes as of the
	// writer's last commit; a different MAX in the database means someone
	// else wrote (or compaction removed the cluster's latest DELETED), and
	// the cached kinds are reloaded.
	head  int64
	kinds map[string]map[objKey]stored // only loaded kinds are present
}

// clusterRow looks up a cluster's project. ok is false if it does not exist.
func (w *Writer) clusterRow(ctx context.Context, q queryer, id gid.ID) (project gid.ID, ok bool, err error) {
	err = q.QueryRowContext(ctx, w.d.q(`SELECT project_id FROM clusters WHERE id = ?`), id).Scan(&project)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up cluster %s: %w", id, err)
	}
	return project, true, nil
}

// fence reloads nothing but forgets a cluster's kinds if the database's
// view of the cluster moved since this writer's last commit.
func (w *Writer) fence(ctx context.Context, q queryer, c *clusterCache, id gid.ID, known clusterHeads) error {
	var head sql.NullInt64
	if known.id == id {
		head = sql.NullInt64{Int64: known.head, Valid: true}
	} else if err := q.QueryRowContext(ctx, w.d.q(`SELECT MAX(revision) FROM changes WHERE cluster_id = ?`), id).Scan(&head); err != nil {
		return fmt.Errorf("read cluster %s head: %w", id, err)
	}
	if head.Int64 != c.head {
		if len(c.kinds) > 0 {
			w.log.Debug("cluster changed under the writer; reloading", "cluster", id, "cached_head", c.head, "head", head.Int64)
		}
		c.kinds = map[string]map[objKey]stored{}
		c.head = head.Int64
	}
	return nil
}

// loadKind rebuilds what is stored for one cluster and kind from the log:
// the latest Change of each object, unless that was a deletion. Compaction
// keeps exactly those Changes, so the log is complete for this purpose.
func (w *Writer) loadKind(ctx context.Context, q queryer, clusterID gid.ID, kind string) (map[objKey]stored, error) {
	rows, err := q.QueryContext(ctx, w.d.q(
		`SELECT namespace, name, type, object, object_id, revision FROM changes
		 WHERE cluster_id = ? AND kind = ? ORDER BY revision`), clusterID, kind)
	if err != nil {
		return nil, fmt.Errorf("load %s of cluster %s: %w", kind, clusterID, err)
	}
	defer rows.Close()
	type latest struct {
		typ    string
		object []byte
		id     sql.NullString
		rev    int64
	}
	last := map[objKey]latest{}
	for rows.Next() {
		var (
			k objKey
			l latest
		)
		if err := rows.Scan(&k.namespace, &k.name, &l.typ, &l.object, &l.id, &l.rev); err != nil {
			return nil, fmt.Errorf("load %s of cluster %s: %w", kind, clusterID, err)
		}
		last[k] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load %s of cluster %s: %w", kind, clusterID, err)
	}
	keys := make([]objKey, 0, len(last))
	for k, l := range last {
		if l.typ != string(Deleted) {
			keys = append(keys, k)
		}
	}
	digests := make([]digest, len(keys))
	err = parallel(len(keys), func(i int) error {
		obj := last[keys[i]].object
		// SQLite keeps the text this writer wrote, which is canonical
		// already; PostgreSQL's jsonb reorders it.
		if w.d.pg() {
			c, err := canonical(obj)
			if err != nil {
				return fmt.Errorf("decode stored %s %s/%s: %w", kind, keys[i].namespace, keys[i].name, err)
			}
			obj = c
		} else if len(obj) == 0 {
			obj = []byte("null")
		}
		digests[i] = digestOf(obj)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[objKey]stored, len(keys))
	for i, k := range keys {
		l := last[k]
		out[k] = stored{digest: digests[i], revision: l.rev, id: gid.ID(l.id.String)}
	}
	return out, w.adoptRows(ctx, q, clusterID, kind, out)
}

// adoptRows adds the kind's rows that the log does not know (written by
// something other than datawatch, or before it kept a log) to what is
// stored, with an unknown projection: the next observation of such an
// object is recorded as MODIFIED, and a resync that does not list it
// deletes it, with a DELETED change like any other. Rows and log agree
// after that.
func (w *Writer) adoptRows(ctx context.Context, q queryer, clusterID gid.ID, kind string, have map[objKey]stored) error {
	var (
		query string
		args  = []any{clusterID}
	)
	switch TableFor(kind) {
	case Workloads:
		query = `SELECT id, namespace, name FROM workloads WHERE cluster_id = ? AND kind = ?`
		args = append(args, workloadKinds[kind])
	case Pods:
		query = `SELECT id, namespace, name FROM pods WHERE cluster_id = ?`
	case Nodes:
		query = `SELECT id, '', name FROM cluster_nodes WHERE cluster_id = ?`
	case Namespaces:
		query = `SELECT id, '', name FROM namespaces WHERE cluster_id = ?`
	default:
		return nil
	}
	rows, err := q.QueryContext(ctx, w.d.q(query), args...)
	if err != nil {
		return fmt.Errorf("load %s rows of cluster %s: %w", kind, clusterID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id string
			k  objKey
		)
		if err := rows.Scan(&id, &k.namespace, &k.name); err != nil {
			return fmt.Errorf("load %s rows of cluster %s: %w", kind, clusterID, err)
		}
		cur, ok := have[k]
		if !ok {
			w.log.Info("adopting a row the change log does not know", "cluster", clusterID, "kind", kind, "namespace", k.namespace, "name", k.name)
		}
		cur.id = gid.ID(id) // the row that exists is the one to point at
		have[k] = cur
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load %s rows of cluster %s: %w", kind, clusterID, err)
	}
	return nil
}

// parallel runs fn(0…n-1) on all processors; it returns the first error.
// Encoding and hashing tens of thousands of projections is CPU-bound.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), max(n/256, 1))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
