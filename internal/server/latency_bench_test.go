package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	dto "github.com/prometheus/client_model/go"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/testenv/kube"
)

// latencyLabel carries each write's sequence number on the object, so the
// subscriber (and the probes) can tell which write a change shows.
const latencyLabel = "bcs-latency-seq"

// latencyShape is how many writers send the writes and how many objects
// they rotate over: one writer per 25 writes/s (a patch takes 5–30 ms on the
// loaded 2-core machine), at least 4, and five objects per writer, so that
// each object has one writer and its writes stay in order.
func latencyShape(rate float64) (writers, objects int) {
	writers = max(4, int(rate+24)/25)
	return writers, 5 * writers
}

// BenchmarkChangeLatency is issue 14's target 5: the time from a write
// acknowledged by a real Kubernetes API server to the `changes` event read
// by a graphql-transport-ws subscriber (a project viewer's token, filtered
// to the namespace and kind), at LATENCY_RATE writes/s (default 100) for
// LATENCY_SECONDS (default 20). Each write patches a label carrying its
// sequence number; latency is measured from the moment the API server
// answered the patch. Sub-benchmarks patch Services (no controller reacts)
// and Deployments (the deployment controller sees every update too);
// LATENCY_KINDS=Service,Deployment picks. LATENCY_DB=postgres runs on the
// package's PostgreSQL instead of SQLite.
//
// The path is split by two probes beside the subscriber: a plain watch on
// the API server (ack → watch event: what an informer can do at best) and a
// subscription on the hub itself (ack → dispatched: informer, queue,
// worker, writer batch and commit), plus the writer's own histograms: from
// the watcher's event handler to the commit
// (bcs_changelog_event_latency_seconds) and of the transactions
// (bcs_changelog_commit_seconds).
//
//	go test ./internal/server -run '^$' -bench ChangeLatency -benchtime 1x -timeout 20m
func BenchmarkChangeLatency(b *testing.B) {
	rate := latencyEnv("LATENCY_RATE", 100)
	dur := time.Duration(latencyEnv("LATENCY_SECONDS", 20) * float64(time.Second))
	kinds := []string{"Service", "Deployment"}
	if v := os.Getenv("LATENCY_KINDS"); v != "" {
		kinds = strings.Split(v, ",")
	}
	kc := startLatencyKube(b)
	url := "sqlite://" + filepath.Join(b.TempDir(), "bcs.db")
	if os.Getenv("LATENCY_DB") == "postgres" {
		var err error
		if url, err = pg.CreateDatabase(context.Background(), fmt.Sprintf("lat%d", dbSeq.Add(1))); err != nil {
			b.Fatal(err)
		}
	}
	env := newEnv(b, url)
	p := env.createProject(b, "Latency", "latency")
	env.do(b, `mutation($p: ID!) { addMember(projectID: $p, userName: "lena", role: VIEWER) { id } }`, map[string]any{"p": p.ID}).field(b, "addMember", &struct{}{})
	viewer, err := auth.Bootstrap(system(), env.db.Client, "lena", false, "t", 0)
	if err != nil {
		b.Fatal(err)
	}
	var cl struct{ ID string }
	env.do(b, `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "latency", "kubeconfig": string(kc.Kubeconfig)}}).field(b, "registerCluster", &cl)

	for i := 0; i < b.N; i++ {
		for _, kind := range kinds {
			b.Run(kind, func(b *testing.B) {
				runLatency(b, env, kc, viewer, p.ID, kind, fmt.Sprintf("lat-%s-%d-%d", strings.ToLower(kind), i, time.Now().UnixNano()%1e6), rate, dur)
			})
		}
	}
}

// startLatencyKube starts a control plane of its own (one, not the
// package's pair) and removes it, state directory included, at the end.
func startLatencyKube(b *testing.B) *kube.Cluster {
	dir := b.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	kc, err := kube.Start(ctx, dir, kube.Options{Nodes: 1, Name: "latency"})
	if err != nil {
		b.Fatalf("start the control plane: %v", err)
	}
	b.Cleanup(func() { _ = kc.Stop() })
	return kc
}

// latWrite is one write: when it was sent and when the API server answered.
type latWrite struct {
	object       int
	sent, acked  time.Time
	hub, watched time.Time // zero until seen
}

type latencyRun struct {
	mu     sync.Mutex
	writes map[int]*latWrite // by sequence number
}

func (r *latencyRun) get(seq int) *latWrite {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes[seq]
}

func runLatency(b *testing.B, env *testEnv, kc *kube.Cluster, viewer, projectID, kind, ns string, rate float64, dur time.Duration) {
	ctx := context.Background()
	latencyWriters, latencyObjects := latencyShape(rate)
	if _, err := kc.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	sub := dialLatencySubscriber(b, env, viewer, projectID, ns, kind)
	defer sub.Close()
	// The subscriber's socket reports every change of the namespace's kind;
	// the objects' creation proves the whole path is live before timing.
	run := &latencyRun{writes: map[int]*latWrite{}}
	got := make(chan latEvent, 1<<16)
	go readLatencySubscriber(sub, got)
	for i := range latencyObjects {
		if err := createLatencyObject(ctx, kc.Client, kind, ns, latencyName(i)); err != nil {
			b.Fatal(err)
		}
	}
	created := map[string]bool{}
	timeout := time.After(2 * time.Minute)
	for len(created) < latencyObjects {
		select {
		case e := <-got:
			if e.err != "" {
				b.Fatalf("subscriber: %s", e.err)
			}
			if e.revision > 0 {
				created[e.name] = true
			}
		case <-timeout:
			b.Fatalf("only %d of %d objects reached the subscriber", len(created), latencyObjects)
		}
	}

	// Probes: a plain watch on the API server and a hub subscription.
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	var probes sync.WaitGroup
	probes.Go(func() {
		// The API server ends a watch that falls behind: watch again from
		// the last version seen.
		rv := ""
		for wctx.Err() == nil {
			w, err := latencyWatch(wctx, kc.Client, kind, ns, rv)
			if err != nil {
				return
			}
			for ev := range w.ResultChan() {
				now := time.Now()
				m, ok := ev.Object.(metav1.Object)
				if ev.Type == watch.Error || !ok {
					rv = ""
					break
				}
				rv = m.GetResourceVersion()
				if seq, err := strconv.Atoi(m.GetLabels()[latencyLabel]); err == nil {
					if wr := run.get(seq); wr != nil && wr.watched.IsZero() {
						wr.watched = now
					}
				}
			}
			w.Stop()
		}
	})
	hsub, err := env.server.hub.Subscribe(system(), changelog.Filter{AllProjects: true}, nil, 1<<16)
	if err != nil {
		b.Fatal(err)
	}
	probes.Go(func() {
		for c := range hsub.C {
			now := time.Now()
			if c.Namespace != ns {
				continue
			}
			if seq, ok := latLabelSeq(c.Object); ok {
				if wr := run.get(seq); wr != nil && wr.hub.IsZero() {
					wr.hub = now
				}
			}
		}
	})
	before := env.server.writer.Stats()
	writeHist := latHistogramSince(b, env, "bcs_changelog_event_latency_seconds")
	commitHist := latHistogramSince(b, env, "bcs_changelog_commit_seconds")

	// The writers: write i is due at start + i/rate, on object i mod
	// latencyObjects, by writer i mod latencyWriters.
	total := int(rate * dur.Seconds())
	for i := range total {
		run.writes[i] = &latWrite{object: i % latencyObjects}
	}
	// The writers' own client: the cluster's shared one is limited to 200
	// requests/s.
	cfg := rest.CopyConfig(kc.Config)
	cfg.QPS, cfg.Burst = 1e5, 1e5
	wc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var writers sync.WaitGroup
	errs := make(chan error, latencyWriters)
	for wi := range latencyWriters {
		writers.Go(func() {
			for i := wi; i < total; i += latencyWriters {
				due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
				if d := time.Until(due); d > 0 {
					time.Sleep(d) // pacing the writes, not waiting for a result
				}
				wr := run.get(i)
				patch := fmt.Appendf(nil, `{"metadata":{"labels":{%q:%q}}}`, latencyLabel, strconv.Itoa(i))
				sent := time.Now()
				if err := patchLatencyObject(ctx, wc, kind, ns, latencyName(wr.object), patch); err != nil {
					errs <- fmt.Errorf("write %d: %w", i, err)
					return
				}
				run.mu.Lock()
				wr.sent, wr.acked = sent, time.Now()
				run.mu.Unlock()
			}
		})
	}
	writers.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}

	// Read until every object shows its last write (or a deadline).
	last := map[string]int{}
	for i := total - latencyObjects; i < total; i++ {
		last[latencyName(i%latencyObjects)] = i
	}
	recv := map[int]time.Time{}
	var dups, disorder int
	lastSeen := map[string]int{}
	done := 0
	deadline := time.After(30 * time.Second)
collect:
	for done < len(last) {
		select {
		case e := <-got:
			if e.err != "" {
				b.Errorf("subscriber: %s", e.err)
				break collect
			}
			if e.seq < 0 {
				continue
			}
			if _, dup := recv[e.seq]; dup {
				dups++
				continue
			}
			if prev, ok := lastSeen[e.name]; ok && e.seq < prev {
				disorder++
			}
			lastSeen[e.name] = e.seq
			recv[e.seq] = e.at
			if last[e.name] == e.seq {
				done++
			}
		case <-deadline:
			break collect
		}
	}
	hsub.Close()
	wcancel()
	probes.Wait()
	after := env.server.writer.Stats()

	// Latencies. A write whose object changed again before BCS read it is
	// coalesced (the queue keeps one key per object and the worker reads the
	// newest state): correct, and not counted as lost.
	var client, watchLat, hubLat, hubToClient, sendToAck []float64
	lost, coalesced := 0, 0
	for i := range total {
		wr := run.writes[i]
		at, ok := recv[i]
		if !ok {
			if lastSeen[latencyName(wr.object)] > i {
				coalesced++
			} else {
				lost++
			}
			continue
		}
		client = append(client, latMS(at.Sub(wr.acked)))
		sendToAck = append(sendToAck, latMS(wr.acked.Sub(wr.sent)))
		if !wr.watched.IsZero() {
			watchLat = append(watchLat, latMS(wr.watched.Sub(wr.acked)))
		}
		if !wr.hub.IsZero() {
			hubLat = append(hubLat, latMS(wr.hub.Sub(wr.acked)))
			hubToClient = append(hubToClient, latMS(at.Sub(wr.hub)))
		}
	}
	b.Logf("%s: %d writes in %v (%.1f/s), %d delivered, %d lost, %d coalesced, %d duplicated, %d out of order; writer: %d changes in %d batches",
		kind, total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), len(recv), lost, coalesced, dups, disorder,
		after.Changes-before.Changes, after.Batches-before.Batches)
	for _, s := range []struct {
		name string
		v    []float64
	}{
		{"write sent → API server ack", sendToAck},
		{"ack → plain watch event (informer floor)", watchLat},
		{"ack → hub dispatch (informer, queue, writer, commit)", hubLat},
		{"hub dispatch → client read (resolver, websocket)", hubToClient},
		{"ack → client read (end to end)", client},
	} {
		p := latPcts(s.v)
		b.Logf("  %-55s n=%-5d p50 %6.1f  p90 %6.1f  p99 %6.1f  max %6.1f ms", s.name, len(s.v), p[0], p[1], p[2], p[3])
	}
	if writeHist != nil {
		b.Logf("  %-55s %s", "handler → commit (bcs_changelog_event_latency_seconds)", writeHist())
		b.Logf("  %-55s %s", "transactions (bcs_changelog_commit_seconds)", commitHist())
	}
	p := latPcts(client)
	b.ReportMetric(p[0], "p50-ms")
	b.ReportMetric(p[1], "p90-ms")
	b.ReportMetric(p[2], "p99-ms")
	b.ReportMetric(p[3], "max-ms")
	b.ReportMetric(float64(total)/elapsed.Seconds(), "writes/s")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(dups), "dups")
	if lost > 0 || dups > 0 || disorder > 0 {
		b.Errorf("%s: %d lost, %d duplicated, %d out of order", kind, lost, dups, disorder)
	}
}

func latMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// latPcts returns p50, p90, p99 and max.
func latPcts(v []float64) [4]float64 {
	if len(v) == 0 {
		return [4]float64{}
	}
	slices.Sort(v)
	at := func(q float64) float64 { return v[min(len(v)-1, int(q*float64(len(v))))] }
	return [4]float64{at(0.5), at(0.9), at(0.99), v[len(v)-1]}
}

func latencyEnv(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return def
}

func latencyName(i int) string { return fmt.Sprintf("obj-%02d", i) }

func createLatencyObject(ctx context.Context, c kubernetes.Interface, kind, ns, name string) error {
	meta := metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": name}}
	switch kind {
	case "Service":
		_, err := c.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})
		return err
	case "Deployment":
		zero := int32(0)
		_, err := c.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{
			Replicas: &zero, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}}}, metav1.CreateOptions{})
		return err
	}
	return fmt.Errorf("LATENCY_KINDS: unknown kind %q", kind)
}

func patchLatencyObject(ctx context.Context, c kubernetes.Interface, kind, ns, name string, patch []byte) error {
	var err error
	switch kind {
	case "Service":
		_, err = c.CoreV1().Services(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	case "Deployment":
		_, err = c.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	}
	return err
}

func latencyWatch(ctx context.Context, c kubernetes.Interface, kind, ns, rv string) (watch.Interface, error) {
	opts := metav1.ListOptions{ResourceVersion: rv}
	if kind == "Deployment" {
		return c.AppsV1().Deployments(ns).Watch(ctx, opts)
	}
	return c.CoreV1().Services(ns).Watch(ctx, opts)
}

// latLabelSeq reads the sequence label from a change's object.
func latLabelSeq(obj map[string]any) (int, bool) {
	var v any
	switch l := obj["labels"].(type) {
	case map[string]any:
		v = l[latencyLabel]
	case map[string]string:
		v = l[latencyLabel]
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// latEvent is one change as the subscriber read it (seq -1: no label yet).
type latEvent struct {
	name     string
	seq      int
	revision int64
	at       time.Time
	err      string
}

func dialLatencySubscriber(b *testing.B, env *testEnv, token, projectID, ns, kind string) *websocket.Conn {
	url := "ws" + strings.TrimPrefix(env.srv.URL, "http") + "/query"
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 30 * time.Second}
	conn, resp, err := d.Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	_ = resp.Body.Close()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if err := conn.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}); err != nil {
		b.Fatal(err)
	}
	for {
		var m struct{ Type string }
		if err := conn.ReadJSON(&m); err != nil {
			b.Fatalf("waiting for connection_ack: %v", err)
		}
		if m.Type == "connection_ack" {
			break
		}
	}
	// From the current head: nothing committed after it is missed, however
	// long the subscription takes to register.
	head, err := env.server.log_.Head(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	q := `subscription($f: ChangesFilter, $since: Int) { changes(filter: $f, since: $since) { revision kind namespace name type object } }`
	if err := conn.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": q,
		"variables": map[string]any{"since": head, "f": map[string]any{"projectID": projectID, "namespaces": []string{ns}, "kinds": []string{kind}}}}}); err != nil {
		b.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	return conn
}

func readLatencySubscriber(conn *websocket.Conn, out chan<- latEvent) {
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			out <- latEvent{err: err.Error()}
			return
		}
		at := time.Now()
		var m struct {
			Type    string
			Payload struct {
				Data struct {
					Changes struct {
						Revision int64
						Name     string
						Object   map[string]any
					}
				}
				Errors json.RawMessage
			}
		}
		if err := json.Unmarshal(data, &m); err != nil {
			out <- latEvent{err: "bad frame: " + string(data)}
			return
		}
		switch m.Type {
		case "next":
		case "ping":
			_ = conn.WriteJSON(map[string]any{"type": "pong"})
			continue
		case "pong":
			continue
		default:
			out <- latEvent{err: "unexpected " + string(data)}
			return
		}
		c := m.Payload.Data.Changes
		seq, ok := latLabelSeq(c.Object)
		if !ok {
			seq = -1
		}
		out <- latEvent{name: c.Name, seq: seq, revision: c.Revision, at: at}
	}
}

// latHistogramSince snapshots a histogram of the server's registry and returns
// a function that describes the observations since, or nil if the server
// does not export it.
func latHistogramSince(b *testing.B, env *testEnv, name string) func() string {
	read := func() (count uint64, buckets []*dto.Bucket, ok bool) {
		mfs, err := env.server.metrics.registry.Gather()
		if err != nil {
			b.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name && len(mf.Metric) > 0 {
				h := mf.Metric[0].GetHistogram()
				return h.GetSampleCount(), h.GetBucket(), true
			}
		}
		return 0, nil, false
	}
	n0, b0, ok := read()
	if !ok {
		return nil
	}
	return func() string {
		n1, b1, _ := read()
		n := n1 - n0
		if n == 0 {
			return "no observations"
		}
		// The upper bound of the bucket holding each quantile.
		q := func(p float64) string {
			for i, bk := range b1 {
				if float64(bk.GetCumulativeCount()-b0[i].GetCumulativeCount()) >= p*float64(n) {
					return fmt.Sprintf("≤%g", bk.GetUpperBound()*1000)
				}
			}
			return fmt.Sprintf(">%g", b1[len(b1)-1].GetUpperBound()*1000)
		}
		return fmt.Sprintf("n=%d p50 %s  p99 %s ms", n, q(0.5), q(0.99))
	}
}
