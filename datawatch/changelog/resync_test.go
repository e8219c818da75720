package changelog_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
)

func TestResyncDiff(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		_, cl := dwtest.Cluster(t, db)
		_, other := dwtest.Cluster(t, db)
		ctx := ctxT(t)
		w := startWriter(t, db, changelog.Config{BatchSize: 2})
		must(t, w.Submit(ctx, pod(cl, "ns", "keep", 1), pod(cl, "ns", "change", 1), pod(cl, "ns", "drop", 1),
			pod(other, "ns", "drop", 1)))
		svc := func(name string, port int) changelog.Event {
			return changelog.Event{ClusterID: cl, Kind: "Service", Namespace: "ns", Name: name, Type: changelog.Added,
				Object: map[string]any{"port": port}}
		}
		must(t, w.Submit(ctx, svc("a", 80), svc("b", 80)))
		must(t, w.Flush(ctx))

		// The listing: keep unchanged, change modified, drop gone, new added.
		current := []changelog.Event{pod(cl, "ns", "keep", 1), pod(cl, "ns", "change", 2), pod(cl, "ns", "new", 1)}
		must(t, w.Resync(ctx, cl, "Pod", current))
		must(t, w.Resync(ctx, cl, "Service", []changelog.Event{svc("b", 80)}))
		log := changelog.NewLog(db)
		got := summary(listAll(t, log, 6, all))
		want := []string{"7 MODIFIED Pod ns/change", "8 ADDED Pod ns/new", "9 DELETED Pod ns/drop", "10 DELETED Service ns/a"}
		if !slices.Equal(got, want) {
			t.Fatalf("resync:\n got %q\nwant %q", got, want)
		}
		// The same listing again is all noise; so is a listing in another
		// writer (a restart) that loads what is stored from the log.
		must(t, w.Resync(ctx, cl, "Pod", current))
		w2 := startWriter(t, dwtest.Open(t, url), changelog.Config{})
		must(t, w2.Resync(ctx, cl, "Pod", current))
		must(t, w2.Resync(ctx, cl, "Service", []changelog.Event{svc("b", 80)}))
		if head, _ := log.Head(ctx); head != 10 {
			t.Fatalf("head after repeated resyncs = %d, want 10", head)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM pods"); n != 4 { // keep, change, new + the other cluster's
			t.Errorf("%d pod rows", n)
		}
		// The deletion carries the last stored object.
		cs := listAll(t, log, 8, all)
		if cs[0].Object["status"].(map[string]any)["v"] != float64(1) {
			t.Errorf("deleted pod object = %v", cs[0].Object)
		}
	})
}

// A resync is ordered with the events around it: an event submitted before
// it is applied first (and then corrected by the listing), one submitted
// after it lands on top of it. Nothing is lost or recorded twice.
func TestResyncOrderedWithEvents(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, cl := dwtest.Cluster(t, db)
	ctx := ctxT(t)
	w := startWriter(t, db, changelog.Config{MaxLatency: 1 << 40}) // batches close only at barriers or when full
	must(t, w.Submit(ctx, pod(cl, "ns", "a", 1), pod(cl, "ns", "b", 1)))
	done := make(chan error, 1)
	go func() { done <- w.Resync(ctx, cl, "Pod", []changelog.Event{pod(cl, "ns", "a", 1)}) }()
	must(t, <-done)
	must(t, w.Submit(ctx, pod(cl, "ns", "b", 2)))
	must(t, w.Flush(ctx))
	got := summary(listAll(t, changelog.NewLog(db), 0, all))
	want := []string{"1 ADDED Pod ns/a", "2 ADDED Pod ns/b", "3 DELETED Pod ns/b", "4 ADDED Pod ns/b"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// Two writers touching the same object: each batch notices the other
// writer's commits (the cluster head moved) and reloads, so a projection
// that changed behind its back is not mistaken for noise.
func TestWriterFencesOtherWriters(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		_, cl := dwtest.Cluster(t, db)
		ctx := ctxT(t)
		a := startWriter(t, db, changelog.Config{})
		b := startWriter(t, dwtest.Open(t, url), changelog.Config{})
		for i, w := range []*changelog.Writer{a, b, a, b} {
			must(t, w.Submit(ctx, pod(cl, "ns", "x", i%2+1)))
			must(t, w.Flush(ctx))
		}
		got := summary(listAll(t, changelog.NewLog(db), 0, all))
		want := []string{"1 ADDED Pod ns/x", "2 MODIFIED Pod ns/x", "3 MODIFIED Pod ns/x", "4 MODIFIED Pod ns/x"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	})
}

func TestResyncLarge(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, cl := dwtest.Cluster(t, db)
	ctx := ctxT(t)
	w := startWriter(t, db, changelog.Config{})
	var current []changelog.Event
	for i := range 3000 {
		current = append(current, pod(cl, fmt.Sprint("ns", i%7), fmt.Sprint("p", i), 1))
	}
	must(t, w.Resync(ctx, cl, "Pod", current))
	current = current[:2000]
	current[0] = pod(cl, current[0].Namespace, current[0].Name, 2)
	must(t, w.Resync(ctx, cl, "Pod", current))
	cs := listAll(t, changelog.NewLog(db), 3000, all)
	if len(cs) != 1001 || cs[0].Type != "MODIFIED" || cs[1].Type != "DELETED" {
		t.Fatalf("second resync wrote %d changes, first %v", len(cs), summary(cs[:2]))
	}
	if n := count(t, db, "SELECT COUNT(*) FROM pods"); n != 2000 {
		t.Errorf("%d pod rows", n)
	}
}

// Rows that exist without a change log entry (seeded, restored, written by
// something else) are adopted: a resync that does not list them deletes
// them with a DELETED change, one that lists them records a MODIFIED.
func TestResyncAdoptsUnloggedRows(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		project, cl := dwtest.Cluster(t, db)
		ctx := ctxT(t)
		q := `INSERT INTO pods (id, project_id, observed_at, namespace, name, cluster_id) VALUES (?, ?, ?, 'ns', ?, ?)`
		if db.Dialect == "postgres" {
			q = `INSERT INTO pods (id, project_id, observed_at, namespace, name, cluster_id) VALUES ($1, $2, $3, 'ns', $4, $5)`
		}
		for _, name := range []string{"listed", "stale"} {
			_, err := db.SQL.ExecContext(ctx, q, "pod_"+name, project, time.Now().UTC(), name, cl)
			must(t, err)
		}
		w := startWriter(t, db, changelog.Config{})
		must(t, w.Resync(ctx, cl, "Pod", []changelog.Event{pod(cl, "ns", "listed", 1)}))
		cs := listAll(t, changelog.NewLog(db), 0, all)
		got := summary(cs)
		want := []string{"1 MODIFIED Pod ns/listed", "2 DELETED Pod ns/stale"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		if cs[0].ObjectID != "pod_listed" || cs[1].ObjectID != "pod_stale" {
			t.Errorf("object IDs %s %s", cs[0].ObjectID, cs[1].ObjectID)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM pods"); n != 1 {
			t.Errorf("%d pod rows", n)
		}
	})
}

// TestWriterFencesEveryClusterOfABatch: the batch's first cluster is fenced
// by the statement that reads the head, the others by one of their own;
// either way another writer's change to the cluster is seen, so an event
// that only matches the stale cache is still written.
func TestWriterFencesEveryClusterOfABatch(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		_, c1 := dwtest.Cluster(t, db)
		_, c2 := dwtest.Cluster(t, db)
		ctx := ctxT(t)
		a := startWriter(t, db, changelog.Config{})
		b := startWriter(t, dwtest.Open(t, url), changelog.Config{})
		must(t, a.Submit(ctx, pod(c1, "ns", "x", 1), pod(c2, "ns", "y", 1)))
		must(t, a.Flush(ctx))
		must(t, b.Submit(ctx, pod(c1, "ns", "x", 2), pod(c2, "ns", "y", 2)))
		must(t, b.Flush(ctx))
		// a's cache still holds version 1 of both.
		must(t, a.Submit(ctx, pod(c1, "ns", "x", 1), pod(c2, "ns", "y", 1)))
		must(t, a.Flush(ctx))
		got := summary(listAll(t, changelog.NewLog(db), 0, all))
		want := []string{"1 ADDED Pod ns/x", "2 ADDED Pod ns/y", "3 MODIFIED Pod ns/x", "4 MODIFIED Pod ns/y",
			"5 MODIFIED Pod ns/x", "6 MODIFIED Pod ns/y"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	})
}

// TestWriterReconnectsAfterItsConnectionDies: on PostgreSQL the writer keeps
// one connection for its transactions; when the server ends it, the batch
// is retried on a fresh one and nothing is lost.
func TestWriterReconnectsAfterItsConnectionDies(t *testing.T) {
	db := dwtest.Open(t, dwtest.PostgresURL(t))
	_, cl := dwtest.Cluster(t, db)
	ctx := ctxT(t)
	w := startWriter(t, db, changelog.Config{})
	must(t, w.Submit(ctx, pod(cl, "ns", "x", 1)))
	must(t, w.Flush(ctx))
	var killed int
	must(t, db.SQL.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed))
	if killed == 0 {
		t.Fatal("no writer connection to end")
	}
	must(t, w.Submit(ctx, pod(cl, "ns", "x", 2)))
	must(t, w.Flush(ctx))
	got := summary(listAll(t, changelog.NewLog(db), 0, all))
	if want := []string{"1 ADDED Pod ns/x", "2 MODIFIED Pod ns/x"}; !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if st := w.Stats(); st.Retries == 0 {
		t.Errorf("stats %+v: the batch on the ended connection should have been retried", st)
	}
}
