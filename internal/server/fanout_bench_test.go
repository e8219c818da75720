package server

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// fanoutSpaces is the number of namespaces the subscribers split over.
const fanoutSpaces = 100

// BenchmarkFanout10k is the fan-out benchmark of issue 5: N
// graphql-transport-ws subscribers (default 10,000), each following the
// ConfigMaps of one of 100 namespaces, while changes are injected through
// the change-log writer at FANOUT_RATE per second (default 200) for
// FANOUT_SECONDS (default 10). Each change carries its send time; every
// subscriber checks it receives its namespace's changes exactly once, in
// revision order. The floor, in the same run, is a bare gorilla broadcast
// of the same frames to the same number of sockets.
//
// Both ends of a socket use a file descriptor. When 2N of them do not fit
// under RLIMIT_NOFILE the clients run in a child process (the test binary
// re-executed); FANOUT_CLIENTS=inproc|process forces one or the other. In
// process mode the memory figures split cleanly into server and client.
//
// FANOUT_TOKENS=shared (the default) gives every subscriber the admin's
// one token; FANOUT_TOKENS=distinct gives each its own token of a real
// user (FANOUT_USERS of them, default N/10), members with mixed roles of
// FANOUT_PROJECTS projects (default 10, each with a cluster holding
// 100/P of the namespaces), each subscriber filtered to a namespace of a
// cluster of its user's project. Every client checks each change's
// project against its user's memberships (cross-project deliveries).
//
// FANOUT_OPS=k runs k subscriptions on each socket (graphql-transport-ws
// multiplexes), N/k sockets in all, each with its own token: how 20,000
// subscribers fit under 20,000 descriptors per process. The floor (one
// namespace per socket) is skipped then.
//
//	go test ./internal/server -run '^$' -bench Fanout10k -benchtime 1x -timeout 20m
func BenchmarkFanout10k(b *testing.B) {
	n := int(envNumber("FANOUT_SUBSCRIBERS", 10000))
	rate := envNumber("FANOUT_RATE", 200)
	dur := time.Duration(envNumber("FANOUT_SECONDS", 10) * float64(time.Second))
	ops := int(envNumber("FANOUT_OPS", 1))
	if n%ops != 0 || fanoutSpaces%ops != 0 {
		b.Fatalf("FANOUT_OPS=%d must divide %d subscribers and %d namespaces", ops, n, fanoutSpaces)
	}
	sockets := n / ops

	if os.Getenv("FANOUT_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 4 << 10 // per-subscriber objects are small
	}
	limit := raiseNoFile(uint64(2*sockets + 1024))
	base := openFDs()
	mode := os.Getenv("FANOUT_CLIENTS")
	fits := func(k int) bool { return uint64(base+k+256) <= limit }
	switch mode {
	case "", "auto":
		mode = "inproc"
		if !fits(2 * sockets) {
			mode = "process"
		}
	case "inproc", "process":
	default:
		b.Fatalf("FANOUT_CLIENTS=%q: want auto, inproc or process", mode)
	}
	if mode == "inproc" && !fits(2*sockets) || !fits(sockets) {
		b.Fatalf("RLIMIT_NOFILE is %d with %d descriptors open: too few for %d sockets in %s mode", limit, base, sockets, mode)
	}
	b.Logf("RLIMIT_NOFILE %d, %d open; %d subscribers on %d sockets, clients %s", limit, base, n, sockets, mode)

	tokens := os.Getenv("FANOUT_TOKENS")
	switch tokens {
	case "":
		tokens = "shared"
	case "shared", "distinct":
	default:
		b.Fatalf("FANOUT_TOKENS=%q: want shared or distinct", tokens)
	}
	env := newEnvWith(b, "sqlite://"+filepath.Join(b.TempDir(), "bcs.db"), func(c *Config) {
		if tokens == "shared" {
			c.MaxConnectionsPerToken = 0 // one token stands for every subscriber
		} else {
			// Every token is a client of its own: the production limits.
			c.RatePerSecond, c.RateBurst = DefaultConfig.RatePerSecond, DefaultConfig.RateBurst
		}
	})
	ctx := system()
	projects := int(envNumber("FANOUT_PROJECTS", 10))
	if (fanoutSpaces/ops)%projects != 0 {
		b.Fatalf("FANOUT_PROJECTS=%d must divide %d namespaces / %d subscriptions per socket", projects, fanoutSpaces, ops)
	}
	pids, cids := make([]gid.ID, projects), make([]gid.ID, projects)
	for i := range projects {
		p := env.createProject(b, fmt.Sprintf("Fanout %d", i), fmt.Sprintf("fanout-%d", i))
		pids[i] = gid.ID(p.ID)
		cids[i] = env.db.Client.Cluster.Create().SetName("fanout").SetKind(cluster.KindK8S).SetProjectID(pids[i]).SaveX(ctx).ID
	}
	// Namespace ns lives in the cluster of project ns % projects.
	url := "ws" + strings.TrimPrefix(env.srv.URL, "http") + "/query"
	cfg := fleetConfig{URL: url, GraphQL: true, Token: env.token, N: sockets, Spaces: fanoutSpaces, Ops: ops}
	users := 0
	if tokens == "distinct" {
		users = int(envNumber("FANOUT_USERS", float64(max(sockets/10, projects))))
		start := time.Now()
		cfg.Clients = seedFanoutUsers(b, env, sockets, users, pids, cids)
		b.Logf("%d users, %d tokens over %d projects seeded in %v", users, sockets, projects, time.Since(start))
	}

	probe := startCommitProbe(b, env.server.hub)
	bcs := runFanoutPhase(b, fanoutPhase{
		name: "BCS", mode: mode, n: n, rate: rate, dur: dur,
		cfg: cfg,
		// Identical live subscriptions share an execution (and its hub
		// subscription): count what the clients see, the operations.
		subscribers: func() int {
			return env.server.share.Members() + env.server.hub.Subscribers() - env.server.share.Groups() - 1 // the probe
		},
		executions: func() int { return env.server.hub.Subscribers() - 1 },
		send: func(evs []fanEvent) error {
			out := make([]changelog.Event, len(evs))
			for i, e := range evs {
				out[i] = changelog.Event{ClusterID: cids[e.NS%projects], ProjectID: pids[e.NS%projects], Kind: "ConfigMap", Namespace: fanoutNS(e.NS),
					Name: fanName(e, fanoutSpaces), Type: changelog.Modified, Object: fanObjectMap(e)}
			}
			return env.server.writer.Submit(ctx, out...)
		},
	})
	stats := env.server.writer.Stats()
	c50, c99 := probe.result()
	bcs.note = fmt.Sprintf("writer: %d changes in %d batches, %d rejected, %d unchanged; sent to dispatched by the hub (before fan-out): p50 %.1f ms, p99 %.1f ms",
		stats.Changes, stats.Batches, stats.Rejected, stats.Unchanged, c50, c99)

	runs := []*fanoutRun{bcs}
	if ops == 1 {
		runs = append(runs, runFloor(b, mode, n, rate, dur, base, env, func(ns int) string { return string(pids[ns%projects]) }))
	}

	label := "one shared token"
	if tokens == "distinct" {
		label = fmt.Sprintf("distinct tokens: %d users, %d tokens, %d projects", users, sockets, projects)
	}
	if ops > 1 {
		label += fmt.Sprintf(", %d subscriptions per socket on %d sockets", ops, sockets)
	}
	printFanout(mode, label, runs...)
	b.ReportMetric(bcs.perSec, "deliveries/s")
	b.ReportMetric(bcs.res.P50, "p50-ms")
	b.ReportMetric(bcs.res.P99, "p99-ms")
	b.ReportMetric(bcs.res.Max, "max-ms")
	b.ReportMetric(bcs.serverKiB(), "KiB/subscriber")
	b.ReportMetric(bcs.serverRSSKiB(), "rss-KiB/subscriber")
	b.ReportMetric(bcs.connect.Seconds(), "connect-s")
	if len(runs) > 1 {
		floor := runs[1]
		b.ReportMetric(floor.perSec, "floor-deliveries/s")
		b.ReportMetric(floor.res.P99, "floor-p99-ms")
		b.ReportMetric(floor.serverKiB(), "floor-KiB/subscriber")
	}
	for _, ph := range runs {
		if ph.err != nil {
			b.Errorf("%s: %v", ph.name, ph.err)
		}
		if bad := ph.lost + ph.dups + ph.disorder + ph.foreign + ph.cross + ph.failed + ph.unended + ph.missing; bad > 0 {
			b.Errorf("%s: %d lost, %d duplicated, %d out of order, %d foreign, %d of a project not the user's, %d subscribers failed (e.g. %s), %d without the end marker, %d missing",
				ph.name, ph.lost, ph.dups, ph.disorder, ph.foreign, ph.cross, ph.failed, ph.sampleErr, ph.unended, ph.missing)
		}
	}
}

// runFloor is the bare gorilla broadcast of the same frames to n sockets,
// once the BCS sockets are gone.
func runFloor(b *testing.B, mode string, n int, rate float64, dur time.Duration, base int, env *testEnv, project func(ns int) string) *fanoutRun {
	if !waitUntil(time.Now().Add(time.Minute), func() bool {
		return env.server.hub.Subscribers() <= 1 && env.server.share.Members() == 0 && openFDs() <= base+64
	}) {
		b.Fatalf("BCS connections still open: %d subscribers, %d descriptors (%d before)", env.server.hub.Subscribers(), openFDs(), base)
	}
	fs := newFloorServer(fanoutSpaces)
	floorSrv := httptest.NewServer(fs)
	b.Cleanup(floorSrv.Close)
	var rev int64
	floor := runFanoutPhase(b, fanoutPhase{
		name: "floor", mode: mode, n: n, rate: rate, dur: dur,
		cfg:         fleetConfig{URL: "ws" + strings.TrimPrefix(floorSrv.URL, "http") + "/", N: n, Spaces: fanoutSpaces},
		subscribers: func() int { return int(fs.joined.Load()) },
		send: func(evs []fanEvent) error {
			for _, e := range evs {
				rev++
				fs.publish(e.NS, floorFrame(rev, project(e.NS), fanoutNS(e.NS), fanName(e, fanoutSpaces), fanObjectMap(e)))
			}
			return nil
		},
	})
	floor.note = fmt.Sprintf("floor server queues: %d frames dropped", fs.dropped.Load())
	return floor
}

type fanoutPhase struct {
	name        string
	mode        string
	n           int
	rate        float64
	dur         time.Duration
	cfg         fleetConfig
	subscribers func() int // as the server counts them
	executions  func() int // running executions (hub subscriptions), if known
	send        func([]fanEvent) error
}

type fanoutRun struct {
	name     string
	n        int
	connect  time.Duration
	server   memSample // growth from before connecting to connected and idle
	serverGo int64
	goros    int           // goroutines added by the connected subscribers
	execs    int           // executions serving them (-1: not known)
	cpu      time.Duration // this process's CPU while producing and draining
	span     time.Duration // from the first change sent to the results
	client   fleetReady    // client-side growth (process mode only)
	res      fleetResult
	sent     int64
	sendRate float64
	perSec   float64

	lost, dups, disorder     int
	foreign, failed, unended int
	cross                    int
	missing                  int
	sampleErr                string
	err                      error
	note                     string
}

func (r *fanoutRun) serverKiB() float64    { return float64(r.serverGo) / float64(r.n) / 1024 }
func (r *fanoutRun) serverRSSKiB() float64 { return float64(r.server.RSS) / float64(r.n) / 1024 }

// runFanoutPhase connects the fleet, measures idle memory, produces for
// ph.dur, sends the end markers and collects the verdicts.
func runFanoutPhase(b *testing.B, ph fanoutPhase) *fanoutRun {
	run := &fanoutRun{name: ph.name, n: ph.n}
	connectBudget := time.Minute + time.Duration(ph.n)*10*time.Millisecond
	// The clients' own deadline: a bound on the whole phase.
	ph.cfg.Deadline = time.Now().Add(connectBudget + ph.dur + 2*time.Minute).UnixNano()

	before := readMem()
	goros := runtime.NumGoroutine()
	start := time.Now()
	var h fleetHandle
	if ph.mode == "process" {
		p, err := launchProcess(ph.cfg)
		if err != nil {
			b.Fatalf("%s: start the client process: %v", ph.name, err)
		}
		h = p
	} else {
		h = launchLocal(ph.cfg)
	}
	defer h.stop()
	deadline := start.Add(connectBudget)
	cr, err := h.ready(deadline)
	if err != nil {
		b.Fatalf("%s: connecting %d clients: %v", ph.name, ph.n, err)
	}
	run.client = cr
	if !waitUntil(deadline, func() bool { return ph.subscribers() >= ph.n }) {
		b.Fatalf("%s: %d of %d subscribers registered after %v", ph.name, ph.subscribers(), ph.n, time.Since(start))
	}
	run.connect = time.Since(start)
	after := readMem()
	run.server = memSample{Heap: after.Heap - before.Heap, Stack: after.Stack - before.Stack, RSS: after.RSS - before.RSS}
	run.serverGo = after.goMem() - before.goMem()
	run.goros = runtime.NumGoroutine() - goros
	run.execs = -1
	if ph.executions != nil {
		run.execs = ph.executions()
	}
	if path := os.Getenv("FANOUT_HEAPPROFILE"); path != "" {
		writeHeapProfile(b, path+"."+ph.name)
	}

	prodStart := time.Now()
	cpu := cpuTime()
	counts, elapsed, err := produce(ph.rate, ph.dur, fanoutSpaces, ph.send)
	if err == nil {
		err = ph.send(endMarkers(fanoutSpaces))
	}
	if err != nil {
		run.err = fmt.Errorf("producing: %w", err)
	}
	for _, c := range counts {
		run.sent += c
	}
	run.sendRate = float64(run.sent) / elapsed.Seconds()
	drain := time.Now().Add(30 * time.Second)
	h.drainBy(drain)
	res, err := h.results(drain.Add(15 * time.Second))
	if err != nil && run.err == nil {
		run.err = err
	}
	run.cpu, run.span = cpuTime()-cpu, time.Since(prodStart)
	h.stop()
	run.res = res
	if res.LastRecv > 0 {
		run.perSec = float64(res.Deliveries) / time.Unix(0, res.LastRecv).Sub(prodStart).Seconds()
	}
	run.missing = ph.n - len(res.Clients)
	for _, c := range res.Clients {
		if want := int(counts[c.NS]); c.Got < want {
			run.lost += want - c.Got
		}
		run.dups += c.Dups
		run.disorder += c.Disorder
		run.foreign += c.Foreign
		run.cross += c.Cross
		if c.Err != "" {
			run.failed++
			if run.sampleErr == "" {
				run.sampleErr = c.Err
			}
		}
		if !c.Ended {
			run.unended++
		}
	}
	return run
}

// writeHeapProfile saves a heap profile of the idle subscribers
// (FANOUT_HEAPPROFILE=path; one file per phase).
func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

func printFanout(mode, label string, runs ...*fanoutRun) {
	var sb strings.Builder
	w := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, f func(r *fanoutRun) string) {
		fmt.Fprintf(w, "%s\t", label)
		for _, r := range runs {
			fmt.Fprintf(w, "%s\t", f(r))
		}
		fmt.Fprintln(w)
	}
	kib := func(v int64, n int) string { return fmt.Sprintf("%.1f", float64(v)/float64(n)/1024) }
	ms := func(v float64) string { return fmt.Sprintf("%.1f", v) }
	row("", func(r *fanoutRun) string { return r.name })
	row("subscribers", func(r *fanoutRun) string { return fmt.Sprint(r.n) })
	row("connect+subscribe (s)", func(r *fanoutRun) string { return fmt.Sprintf("%.1f", r.connect.Seconds()) })
	row("changes sent", func(r *fanoutRun) string { return fmt.Sprint(r.sent) })
	row("send rate (/s)", func(r *fanoutRun) string { return fmt.Sprintf("%.1f", r.sendRate) })
	row("deliveries", func(r *fanoutRun) string { return fmt.Sprint(r.res.Deliveries) })
	row("deliveries/s", func(r *fanoutRun) string { return fmt.Sprintf("%.0f", r.perSec) })
	row("latency p50 (ms)", func(r *fanoutRun) string { return ms(r.res.P50) })
	row("latency p90 (ms)", func(r *fanoutRun) string { return ms(r.res.P90) })
	row("latency p99 (ms)", func(r *fanoutRun) string { return ms(r.res.P99) })
	row("latency p99.9 (ms)", func(r *fanoutRun) string { return ms(r.res.P999) })
	row("latency max (ms)", func(r *fanoutRun) string { return ms(r.res.Max) })
	row("latency mean (ms)", func(r *fanoutRun) string { return ms(r.res.Mean) })
	row("lost / dup / disorder", func(r *fanoutRun) string { return fmt.Sprintf("%d / %d / %d", r.lost, r.dups, r.disorder) })
	row("cross-project / foreign", func(r *fanoutRun) string { return fmt.Sprintf("%d / %d", r.cross, r.foreign) })
	row("executions (hub subscriptions)", func(r *fanoutRun) string {
		if r.execs < 0 {
			return "-"
		}
		return fmt.Sprint(r.execs)
	})
	row("failed / no end marker", func(r *fanoutRun) string { return fmt.Sprintf("%d / %d", r.failed, r.unended) })
	side := "server"
	if mode == "inproc" {
		side = "server+client" // both ends live in this process
	}
	row(side+" heap+stack KiB/sub", func(r *fanoutRun) string { return kib(r.serverGo, r.n) })
	row(side+"  heap KiB/sub", func(r *fanoutRun) string { return kib(int64(r.server.Heap), r.n) })
	row(side+"  stack KiB/sub", func(r *fanoutRun) string { return kib(int64(r.server.Stack), r.n) })
	row(side+" RSS KiB/sub", func(r *fanoutRun) string { return kib(r.server.RSS, r.n) })
	row(side+" goroutines/sub", func(r *fanoutRun) string { return fmt.Sprintf("%.2f", float64(r.goros)/float64(r.n)) })
	row(side+" CPU while running (cores)", func(r *fanoutRun) string { return fmt.Sprintf("%.2f", r.cpu.Seconds()/r.span.Seconds()) })
	if mode == "process" {
		row("client heap+stack KiB/sub", func(r *fanoutRun) string { return kib(r.client.GoMem, r.n) })
		row("client RSS KiB/sub", func(r *fanoutRun) string { return kib(r.client.RSS, r.n) })
		row("client CPU while running (cores)", func(r *fanoutRun) string { return fmt.Sprintf("%.2f", r.res.CPU.Seconds()/r.span.Seconds()) })
	}
	_ = w.Flush()
	for _, r := range runs {
		if r.note != "" {
			sb.WriteString(r.note + "\n")
		}
	}
	bcs := runs[0]
	fmt.Fprintf(&sb, "issue 14 targets: p99 < 50 ms: %v (%.1f ms); <= 20 KiB per idle subscriber (%s heap+stack): %v (%.1f; RSS %.1f); all connected in < 5 s: %v (%.1f s)\n",
		bcs.res.P99 < 50, bcs.res.P99, side, bcs.serverKiB() <= 20, bcs.serverKiB(), bcs.serverRSSKiB(), bcs.connect < 5*time.Second, bcs.connect.Seconds())
	// Printed, not logged: the testing package trims benchmark logs to ten lines.
	fmt.Printf("--- BenchmarkFanout10k: %d subscribers, %d namespaces, %s, clients %s\n%s", runs[0].n, fanoutSpaces, label, mode, sb.String())
}
