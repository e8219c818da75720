package changelog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/storage"
)

// benchPod is a realistic pod projection (about 700 bytes of JSON).
func benchPod(cluster gid.ID, i, v int) changelog.Event {
	ns, name := fmt.Sprint("team-", i%50), fmt.Sprintf("web-%d-7f9c6d5b8-x%d", i/50, i)
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return changelog.Event{
		ClusterID: cluster, Kind: "Pod", Namespace: ns, Name: name, Type: changelog.Modified,
		ResourceVersion: fmt.Sprint(v),
		Object: map[string]any{
			"metadata": map[string]any{
				"name": name, "namespace": ns, "uid": fmt.Sprintf("5f1c2a9e-%08d-4b7e-9a51-0c2d3e4f5a6b", i),
				"labels":          map[string]any{"app": "web", "pod-template-hash": "7f9c6d5b8", "tier": "frontend"},
				"ownerReferences": []any{map[string]any{"kind": "ReplicaSet", "name": "web-7f9c6d5b8"}},
			},
			"spec": map[string]any{
				"nodeName":   fmt.Sprint("node-", i%200),
				"containers": []any{map[string]any{"name": "web", "image": "registry.example.com/shop/web:1.42.0", "ports": []any{8080}}},
			},
			"status": map[string]any{
				"phase": "Running", "podIP": fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), "hostIP": "192.168.1.10",
				"startTime": started.Format(time.RFC3339), "restarts": v,
				"conditions": []any{map[string]any{"type": "Ready", "status": "True"}},
			},
		},
		Row: &changelog.PodRow{
			Phase: "Running", NodeName: fmt.Sprint("node-", i%200), PodIP: "10.0.0.1", HostIP: "192.168.1.10", Restarts: v,
			OwnerKind: "ReplicaSet", OwnerName: "web-7f9c6d5b8", Images: []string{"registry.example.com/shop/web:1.42.0"},
			Labels: map[string]string{"app": "web", "tier": "frontend"}, StartedAt: &started,
			WorkloadKind: "Deployment", WorkloadName: "web",
		},
	}
}

const benchObjects = 5000

// benchIngest measures changes persisted per second through the writer: a
// stream of pod updates (every one a real change) over benchObjects pods.
func benchIngest(b *testing.B, url string) {
	db := dwtest.Open(b, url)
	_, cl := dwtest.Cluster(b, db)
	w := startWriter(b, db, changelog.Config{BatchSize: 500})
	ctx := context.Background()
	events := make([]changelog.Event, b.N)
	for i := range events {
		events[i] = benchPod(cl, i%benchObjects, i/benchObjects)
	}
	b.ResetTimer()
	start := time.Now()
	must(b, w.Submit(ctx, events...))
	must(b, w.Flush(ctx))
	elapsed := time.Since(start)
	b.StopTimer()
	if st := w.Stats(); st.Changes != int64(b.N) {
		b.Fatalf("wrote %d changes for %d events", st.Changes, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "changes/s")
}

// benchRawInsert is the floor: the same Change rows inserted with batched
// multi-row INSERTs of 500, one transaction each, no rows, no filtering.
func benchRawInsert(b *testing.B, url string) {
	db := dwtest.Open(b, url)
	project, cl := dwtest.Cluster(b, db)
	ctx := context.Background()
	type row struct {
		id, obj string
		ev      changelog.Event
	}
	rows := make([]row, b.N)
	for i := range rows {
		rows[i].ev = benchPod(cl, i%benchObjects, i/benchObjects)
	}
	b.ResetTimer()
	start := time.Now()
	const batch = 500
	for lo := 0; lo < b.N; lo += batch {
		hi := min(lo+batch, b.N)
		args := make([]any, 0, (hi-lo)*11)
		now := time.Now().UTC().Round(0)
		for i := lo; i < hi; i++ {
			obj, _ := json.Marshal(rows[i].ev.Object)
			ev := rows[i].ev
			args = append(args, gid.New("chg"), int64(i+1), cl, project, ev.Kind, ev.Namespace, ev.Name, nil, "MODIFIED", string(obj), now)
		}
		tx, err := db.SQL.BeginTx(ctx, nil)
		must(b, err)
		_, err = tx.ExecContext(ctx, rebind(db, `INSERT INTO changes (id, revision, cluster_id, project_id, kind, namespace, name, object_id, type, object, created_at) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?,?),", hi-lo), ",")), args...)
		must(b, err)
		must(b, tx.Commit())
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "changes/s")
}

func rebind(db *storage.DB, q string) string {
	if db.Dialect != dialect.Postgres {
		return q
	}
	var sb strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&sb, "$%d", n)
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func BenchmarkIngestSQLite(b *testing.B)    { benchIngest(b, dwtest.SQLiteURL(b)) }
func BenchmarkIngestPostgres(b *testing.B)  { benchIngest(b, dwtest.PostgresURL(b)) }
func BenchmarkRawInsertSQLite(b *testing.B) { benchRawInsert(b, dwtest.SQLiteURL(b)) }
func BenchmarkRawInsertPostgres(b *testing.B) {
	benchRawInsert(b, dwtest.PostgresURL(b))
}

// BenchmarkResync50k is a full resync of 50,000 pods on SQLite: "initial"
// into empty storage (50k ADDED), then "steady" by a freshly started writer
// (loading what is stored from the log) where 1% of the pods changed and
// 1% are gone.
func BenchmarkResync50k(b *testing.B) {
	const n = 50000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		url := dwtest.SQLiteURL(b)
		db := dwtest.Open(b, url)
		_, cl := dwtest.Cluster(b, db)
		current := make([]changelog.Event, n)
		for j := range current {
			current[j] = benchPod(cl, j, 1)
		}
		w := startWriter(b, db, changelog.Config{})
		ctx := context.Background()
		b.StartTimer()
		start := time.Now()
		must(b, w.Resync(ctx, cl, "Pod", current))
		initial := time.Since(start)
		b.StopTimer()

		current = current[:n-n/100] // 1% gone
		for j := 0; j < len(current); j += 100 {
			current[j] = benchPod(cl, j, 2) // 1% changed
		}
		w2 := startWriter(b, dwtest.Open(b, url), changelog.Config{})
		b.StartTimer()
		start = time.Now()
		must(b, w2.Resync(ctx, cl, "Pod", current))
		steady := time.Since(start)
		b.StopTimer()
		if want := int64(n/100 + (len(current)+99)/100); w2.Stats().Changes != want {
			b.Fatalf("steady resync wrote %d changes, want %d", w2.Stats().Changes, want)
		}
		b.ReportMetric(initial.Seconds(), "initial-s")
		b.ReportMetric(steady.Seconds(), "steady-s")
		b.ReportMetric(n/initial.Seconds(), "objects/s")
	}
}
