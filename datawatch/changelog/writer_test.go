package changelog_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/change"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

func TestWriterRowsAndChanges(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		project, cl := dwtest.Cluster(t, db)
		var committed [][]*ent.Change
		var mu sync.Mutex
		w := startWriter(t, db, changelog.Config{OnCommit: func(cs []*ent.Change) {
			mu.Lock()
			committed = append(committed, cs)
			mu.Unlock()
		}})
		ctx := ctxT(t)
		deploy := changelog.Event{
			ClusterID: cl, Kind: "Deployment", Namespace: "shop", Name: "web", Type: changelog.Added,
			Object: map[string]any{"spec": map[string]any{"replicas": 3}},
			Row:    &changelog.WorkloadRow{Desired: 3, Ready: 1, Images: []string{"web:1"}, Labels: map[string]string{"app": "web"}},
		}
		p := pod(cl, "shop", "web-1", 1)
		p.Row.(*changelog.PodRow).WorkloadKind, p.Row.(*changelog.PodRow).WorkloadName = "Deployment", "web"
		node := changelog.Event{
			ClusterID: cl, Kind: "Node", Name: "node-1", Type: changelog.Added,
			Object: map[string]any{"status": "Ready"}, Row: &changelog.NodeRow{Status: "Ready", Capacity: map[string]string{"cpu": "4"}},
		}
		ns := changelog.Event{ClusterID: cl, Kind: "Namespace", Name: "shop", Type: changelog.Added,
			Object: map[string]any{"status": "Active"}, Row: &changelog.NamespaceRow{Status: "Active"}}
		svc := changelog.Event{ClusterID: cl, Kind: "Service", Namespace: "shop", Name: "web", Type: changelog.Added,
			Object: map[string]any{"ports": []any{80}}}
		must(t, w.Submit(ctx, ns, node, deploy, p, svc))
		// Noise: the same projections again, even as ADDED, and a node
		// "heartbeat" whose projection did not change.
		must(t, w.Submit(ctx, p, node, svc))
		// A real change, a deletion, and a deletion of something unknown.
		p2 := pod(cl, "shop", "web-1", 2)
		p2.Row.(*changelog.PodRow).WorkloadKind, p2.Row.(*changelog.PodRow).WorkloadName = "Deployment", "web"
		must(t, w.Submit(ctx, p2, gone(cl, "Service", "shop", "web"), gone(cl, "Pod", "shop", "nope")))
		must(t, w.Flush(ctx))

		log := changelog.NewLog(db)
		got := summary(listAll(t, log, 0, all))
		want := []string{
			"1 ADDED Namespace /shop", "2 ADDED Node /node-1", "3 ADDED Deployment shop/web", "4 ADDED Pod shop/web-1",
			"5 ADDED Service shop/web", "6 MODIFIED Pod shop/web-1", "7 DELETED Service shop/web",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("changes:\n got %q\nwant %q", got, want)
		}
		st := w.Stats()
		if st.Changes != 7 || st.Unchanged != 4 || st.Rejected != 0 {
			t.Errorf("stats = %+v", st)
		}

		// The rows, and the Changes pointing at them.
		cs := listAll(t, log, 0, all)
		var podID, wklID gid.ID
		must(t, db.SQL.QueryRowContext(ctx, `SELECT id FROM workloads`).Scan(&wklID))
		var restarts int
		var workloadID *string
		must(t, db.SQL.QueryRowContext(ctx, `SELECT id, restarts, workload_id FROM pods`).Scan(&podID, &restarts, &workloadID))
		if restarts != 2 || workloadID == nil || gid.ID(*workloadID) != wklID {
			t.Errorf("pod row: restarts %d workload %v, want 2 %s", restarts, workloadID, wklID)
		}
		if cs[3].ObjectID != podID || cs[5].ObjectID != podID || cs[2].ObjectID != wklID {
			t.Errorf("object IDs: %s %s %s, rows %s %s", cs[3].ObjectID, cs[5].ObjectID, cs[2].ObjectID, podID, wklID)
		}
		if cs[4].ObjectID != "" || cs[0].ProjectID != project {
			t.Errorf("service object ID %q, project %q", cs[4].ObjectID, cs[0].ProjectID)
		}
		// A deletion without an object carries the last stored projection.
		if cs[6].Object == nil || cs[6].Object["ports"] == nil {
			t.Errorf("deleted service object = %v", cs[6].Object)
		}
		for _, table := range []string{"workloads", "pods", "cluster_nodes", "namespaces"} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != 1 {
				t.Errorf("%s: %d rows", table, n)
			}
		}

		// OnCommit saw the same Changes, in order, with the same IDs.
		mu.Lock()
		var pushed []*ent.Change
		for _, b := range committed {
			pushed = append(pushed, b...)
		}
		mu.Unlock()
		if !slices.Equal(summary(pushed), want) || pushed[3].ObjectID != podID || pushed[3].ID != cs[3].ID {
			t.Errorf("OnCommit: %q", summary(pushed))
		}

		// Deleting the pod removes its row.
		must(t, w.Submit(ctx, gone(cl, "Pod", "shop", "web-1")))
		must(t, w.Flush(ctx))
		if n := count(t, db, "SELECT COUNT(*) FROM pods"); n != 0 {
			t.Errorf("pods after delete: %d", n)
		}
	})
}

// A new writer (a restart, or another replica taking over) knows what is
// stored from the log: unchanged objects stay silent.
func TestWriterRestartKeepsNoiseFilter(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		_, cl := dwtest.Cluster(t, db)
		ctx := ctxT(t)
		w1 := startWriter(t, db, changelog.Config{})
		for i := range 20 {
			must(t, w1.Submit(ctx, pod(cl, "ns", fmt.Sprint("p", i), 1)))
		}
		must(t, w1.Flush(ctx))

		w2 := startWriter(t, dwtest.Open(t, url), changelog.Config{})
		for i := range 20 {
			must(t, w2.Submit(ctx, pod(cl, "ns", fmt.Sprint("p", i), 1)))
		}
		must(t, w2.Submit(ctx, pod(cl, "ns", "p3", 2), pod(cl, "ns", "new", 1)))
		must(t, w2.Flush(ctx))
		got := summary(listAll(t, changelog.NewLog(db), 20, all))
		want := []string{"21 MODIFIED Pod ns/p3", "22 ADDED Pod ns/new"}
		if !slices.Equal(got, want) {
			t.Fatalf("after restart: %q, want %q", got, want)
		}
	})
}

func TestWriterRefuses(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, cl := dwtest.Cluster(t, db)
	ctx := ctxT(t)
	w := startWriter(t, db, changelog.Config{})
	bad := []changelog.Event{
		{ClusterID: cl, Kind: "Pod", Namespace: "a", Name: "b", Type: changelog.Added, Object: map[string]any{}}, // no row
		{ClusterID: cl, Kind: "Service", Namespace: "a", Name: "b", Type: "UPSERT"},
		{ClusterID: cl, Kind: "Node", Namespace: "a", Name: "b", Type: changelog.Deleted},
		{Kind: "Service", Name: "b", Type: changelog.Deleted},
		{ClusterID: cl, Kind: "Service", Namespace: "a", Name: "b", Type: changelog.Added, Row: &changelog.PodRow{}},
	}
	for _, ev := range bad {
		if err := w.Submit(ctx, ev); !errors.Is(err, changelog.ErrInvalidEvent) {
			t.Errorf("Submit(%+v) = %v, want ErrInvalidEvent", ev, err)
		}
	}
	// An unknown cluster, or a project that is not the cluster's, is
	// rejected at write time without holding up the rest of the batch.
	wrongProject := pod(cl, "ns", "x", 1)
	wrongProject.ProjectID = gid.New("prj")
	must(t, w.Submit(ctx, pod(gid.New("cls"), "ns", "x", 1), wrongProject, pod(cl, "ns", "ok", 1)))
	must(t, w.Flush(ctx))
	if st := w.Stats(); st.Rejected != 2 || st.Changes != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// Two replicas (two handles, two writers) and several submitters each, on
// the same clusters: revisions stay gap-free and commit-ordered, each
// object's changes keep their submission order, and the stored rows match.
func TestConcurrentWritersGapFree(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		_, c1 := dwtest.Cluster(t, db)
		_, c2 := dwtest.Cluster(t, db)
		ctx := ctxT(t)
		writers := []*changelog.Writer{
			startWriter(t, db, changelog.Config{BatchSize: 37}),
			startWriter(t, dwtest.Open(t, url), changelog.Config{BatchSize: 50}),
		}
		const submitters, objects, versions = 4, 10, 15
		var wg sync.WaitGroup
		for s := range submitters {
			w := writers[s%2]
			cl := []gid.ID{c1, c2}[s/2%2]
			wg.Go(func() {
				for v := 1; v <= versions; v++ {
					for o := range objects {
						if err := w.Submit(ctx, pod(cl, fmt.Sprint("s", s), fmt.Sprint("p", o), v)); err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		for _, w := range writers {
			must(t, w.Flush(ctx))
		}
		cs := listAll(t, changelog.NewLog(db), 0, all)
		if len(cs) != submitters*objects*versions {
			t.Fatalf("%d changes, want %d", len(cs), submitters*objects*versions)
		}
		last := map[string]int{}
		for i, c := range cs {
			if c.Revision != int64(i+1) {
				t.Fatalf("change %d has revision %d", i, c.Revision)
			}
			key := c.ClusterID.String() + c.Namespace + c.Name
			v := int(c.Object["status"].(map[string]any)["v"].(float64))
			if v != last[key]+1 {
				t.Fatalf("%s: version %d after %d", key, v, last[key])
			}
			wantType := change.TypeMODIFIED
			if v == 1 {
				wantType = change.TypeADDED
			}
			if c.Type != wantType {
				t.Fatalf("%s v%d: %s", key, v, c.Type)
			}
			last[key] = v
		}
		if n := count(t, db, "SELECT COUNT(*) FROM pods WHERE restarts = 15"); n != submitters*objects {
			t.Errorf("%d pods at the last version", n)
		}
	})
}

func TestSubmitBlocksWhenFull(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, cl := dwtest.Cluster(t, db)
	// Not running: the queue fills and Submit blocks until its context ends.
	w := changelog.NewWriter(db, changelog.Config{QueueSize: 2, Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	must(t, w.Submit(ctx, pod(cl, "a", "1", 1), pod(cl, "a", "2", 1)))
	errc := make(chan error, 1)
	go func() { errc <- w.Submit(ctx, pod(cl, "a", "3", 1)) }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Submit on a full queue = %v, want context.Canceled", err)
	}
}

// TestWriterPacesBatches: a change that finds the writer idle is committed
// at once, however long MaxLatency is; changes that follow within
// MaxLatency of that batch's start wait and share the next batch (here
// until a Flush ends it), so a stream costs at most one transaction per
// MaxLatency.
func TestWriterPacesBatches(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		_, cl := dwtest.Cluster(t, db)
		sizes := make(chan int, 4)
		w := startWriter(t, db, changelog.Config{MaxLatency: time.Hour, OnCommit: func(cs []*ent.Change) { sizes <- len(cs) }})
		ctx := ctxT(t)
		committed := func() int {
			t.Helper()
			select {
			case n := <-sizes:
				return n
			case <-ctx.Done():
				t.Fatal("no batch committed")
				return 0
			}
		}
		must(t, w.Submit(ctx, pod(cl, "shop", "first", 1)))
		if n := committed(); n != 1 {
			t.Fatalf("first batch: %d changes, want the lone event, at once", n)
		}
		must(t, w.Submit(ctx, pod(cl, "shop", "second", 1)))
		must(t, w.Submit(ctx, pod(cl, "shop", "third", 1)))
		must(t, w.Flush(ctx))
		if n := committed(); n != 2 {
			t.Errorf("second batch: %d changes, want both that came within MaxLatency", n)
		}
		if st := w.Stats(); st.Batches != 2 || st.Changes != 3 {
			t.Errorf("stats %+v, want 3 changes in 2 batches", st)
		}
	})
}
