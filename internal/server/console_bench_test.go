package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// Sizes from issue 12: 5,000 workloads across 3 clusters, 200 changes/s.
const (
	benchRows     = 5000
	benchClusters = 3
	benchRate     = 200
	benchSeconds  = 20
)

// BenchmarkConsoleLiveTable: the console's workloads table in Chromium
// with 5,000 rows while 200 changes/s arrive through the real `changes`
// subscription. The rows and the changes go in through the change-log
// writer of this in-process server (what a cluster watcher does), so no
// clusters are needed; everything after the writer is the production path.
// Run by `make console-bench` (needs `make console` and Debian's chromium).
func BenchmarkConsoleLiveTable(b *testing.B) {
	console, err := filepath.Abs("../../web/console")
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{"dist/index.html", "node_modules/playwright-core/package.json"} {
		if _, err := os.Stat(filepath.Join(console, p)); err != nil {
			b.Fatalf("web/console/%s is missing: run `make console`", p)
		}
	}
	chromium := os.Getenv("BCS_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	env := newEnvWith(b, "sqlite://"+filepath.Join(b.TempDir(), "bcs.db"), nil)
	ctx := system()
	p := env.createProject(b, "Bench", "bench")
	var clusters [benchClusters]gid.ID
	for i := range clusters {
		clusters[i] = env.db.Client.Cluster.Create().SetName(fmt.Sprintf("bench-%d", i)).SetKind(cluster.KindK8S).
			SetProjectID(gid.ID(p.ID)).SaveX(ctx).ID
	}
	// Names are unique across clusters so the page can key rows by name;
	// the table sorts by namespace, then name.
	type wl struct {
		cluster  gid.ID
		ns, name string
	}
	rows := make([]wl, benchRows)
	for i := range rows {
		rows[i] = wl{clusters[i%benchClusters], fmt.Sprintf("ns-%d", (i/benchClusters)%5), fmt.Sprintf("w%04d", i)}
	}
	event := func(w wl, typ changelog.Type, ready int) changelog.Event {
		const desired = 1 << 20
		return changelog.Event{ClusterID: w.cluster, Kind: "Deployment", Namespace: w.ns, Name: w.name, Type: typ,
			Object: map[string]any{"desired": desired, "ready": ready, "updated": ready, "available": ready, "images": []string{"nginx:1.27"}},
			Row:    &changelog.WorkloadRow{Desired: desired, Ready: ready, Updated: ready, Available: ready, Images: []string{"nginx:1.27"}}}
	}
	for _, w := range rows {
		if err := env.server.writer.Submit(ctx, event(w, changelog.Added, 0)); err != nil {
			b.Fatal(err)
		}
	}
	if err := env.server.writer.Flush(ctx); err != nil {
		b.Fatal(err)
	}

	cmd := exec.Command("node", "bench/live-table.mjs")
	cmd.Dir = console
	cmd.Env = append(os.Environ(), "BCS_URL="+env.srv.URL, "BCS_TOKEN="+env.token, "BCS_PROJECT="+p.ID,
		"BCS_CHROMIUM="+chromium, fmt.Sprintf("BCS_ROWS=%d", benchRows))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 1<<20)
	next := func(prefix string) string {
		for lines.Scan() {
			if v, ok := strings.CutPrefix(lines.Text(), prefix+" "); ok {
				return v
			}
			b.Log(lines.Text())
		}
		b.Fatalf("the browser script ended before %s: %v", prefix, lines.Err())
		return ""
	}
	var rendered []string
	if err := json.Unmarshal([]byte(next("READY")), &rendered); err != nil {
		b.Fatal(err)
	}
	byName := map[string]wl{}
	for _, w := range rows {
		byName[w.name] = w
	}
	var hot []wl
	for _, n := range rendered {
		hot = append(hot, byName[n])
	}
	if len(hot) == 0 {
		b.Fatal("no rows rendered")
	}

	// Half the changes go to rows on screen (measured), half anywhere.
	// Every change carries a new ready count, which is how the page tells
	// which change a painted cell shows.
	b.ResetTimer()
	seq := 0
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for range benchSeconds * 20 {
		<-tick.C
		for range benchRate / 20 {
			seq++
			w := rows[rand.IntN(len(rows))]
			if seq%2 == 0 {
				w = hot[rand.IntN(len(hot))]
			}
			if err := env.server.writer.Submit(ctx, event(w, changelog.Modified, seq)); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := env.server.writer.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	fmt.Fprintf(stdin, "DONE %d\n", seq)
	var res struct {
		Arrived, Measured, Superseded, Unshown, Sent, Longtasks, LongtasksOver100 int
		P50, P99, Max, LongtaskMax, LoadMs                                        float64
	}
	raw := next("RESULT")
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		b.Fatal(err)
	}
	b.Log(raw)
	b.ReportMetric(res.P50, "p50-ms")
	b.ReportMetric(res.P99, "p99-ms")
	b.ReportMetric(res.Max, "max-ms")
	b.ReportMetric(res.LongtaskMax, "longtask-max-ms")
	b.ReportMetric(float64(res.LongtasksOver100), "longtasks>100ms")
	b.ReportMetric(float64(res.Arrived), "changes")
	if res.Arrived < seq {
		b.Errorf("%d of %d changes reached the page", res.Arrived, seq)
	}
	if res.Unshown > 0 {
		b.Errorf("%d changes to rendered rows were never shown", res.Unshown)
	}
}
