package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/testenv/kube"
)

// TestReplicaCrashMidOperation runs two real `bcs serve` processes on one
// PostgreSQL against a real control plane. A drain that a disruption budget
// holds up is running on replica A when A is killed with SIGKILL: the
// survivor ends it FAILED (ReplicaStopped) within the default lease term,
// its operation subscription sees the transition, the cluster is not
// touched a second time, and nothing is left RUNNING. An apply held on A
// (a hook compiled only into this test's build) is run again by the
// survivor and succeeds. Then a replica
// stopped with SIGTERM mid-drain hands the operation back, and a third
// replica ends it at once.
func TestReplicaCrashMidOperation(t *testing.T) {
	kc, _ := kubeClusters(t)
	bin := bcsBinary(t)
	url, err := pg.CreateDatabase(context.Background(), "replica_crash")
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	secret := base64.StdEncoding.EncodeToString(key)

	// Default lease and reap flags: the take-over time measured is the
	// one operators get.
	a := startServe(t, bin, url, secret, "a", "BCS_TEST_HOLD_ACTION=APPLY")
	b := startServe(t, bin, url, secret, "b")
	db, err := storage.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	token, err := auth.Bootstrap(context.Background(), db.Client, "admin", true, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	onA, onB := a.client(token), b.client(token)

	const ns = "replica-crash"
	p := onA.createProject(t, "Replica crash", "replica-crash")
	var c struct{ ID string }
	onA.do(t, `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "crash", "kubeconfig": string(kc.Kubeconfig)}}).field(t, "registerCluster", &c)
	victim, guarded := guardedNode(t, kc, ns)

	var applied operationView
	onA.do(t, `mutation($cid: ID!, $m: String!) { applyManifest(input: {clusterID: $cid, manifest: $m}) { id status } }`,
		map[string]any{"cid": c.ID, "m": configMaps(ns, "held-1", "held-2")}).field(t, "applyManifest", &applied)
	drain := `mutation($cid: ID!, $n: String!) { drainNode(clusterID: $cid, name: $n, timeoutSeconds: 600) { id status } }`
	var op operationView
	onA.do(t, drain, map[string]any{"cid": c.ID, "n": victim}).field(t, "drainNode", &op)
	stream := onB.subscribe(t, `subscription($id: ID!) { operation(id: $id) { id status reason message } }`, map[string]any{"id": op.ID})
	// A is mid-drain once the node is cordoned and the budget refuses.
	eventually(t, "replica A draining", func() bool {
		n, err := kc.Client.CoreV1().Nodes().Get(context.Background(), victim, metav1.GetOptions{})
		return err == nil && n.Spec.Unschedulable && opStatus(t, onB, op.ID) == "RUNNING" && opStatus(t, onB, applied.ID) == "RUNNING"
	})

	killed := time.Now()
	a.kill(t)
	final := waitOpLeaves(t, onB, op.ID, "RUNNING", 30*time.Second)
	took := time.Since(killed)
	t.Logf("survivor ended the dead replica's drain %s after SIGKILL", took.Round(100*time.Millisecond))
	if final.Status != "FAILED" || final.Reason != "ReplicaStopped" || !strings.Contains(final.Message, "replica running this operation stopped while running it") ||
		!strings.Contains(final.Message, "drainNode") {
		t.Fatalf("after the crash: %+v, want FAILED ReplicaStopped saying how to retry", final)
	}
	if took > 20*time.Second {
		t.Errorf("take-over took %s with the default flags, want about 15 s at most", took)
	}
	for {
		var ev struct{ Status, Reason string }
		_ = json.Unmarshal(next(t, stream).Data["operation"], &ev)
		if ev.Status == "FAILED" {
			if ev.Reason != "ReplicaStopped" {
				t.Errorf("subscription saw %+v", ev)
			}
			break
		}
	}
	// The cluster was not drained a second time: the guarded pods are the
	// same ones, the node stays as A left it.
	if got := podUIDs(t, kc, ns); !equalSets(got, guarded) {
		t.Errorf("the guarded pods changed after the take-over: %v, were %v", got, guarded)
	}
	if got := b.metric(t, `bcs_operations_reaped_total{action="DRAIN",outcome="failed"}`); got != "1" {
		t.Errorf("survivor's bcs_operations_reaped_total for the drain: %q, want 1", got)
	}
	// The held apply never reached the cluster on A; the survivor ran it.
	if got := onB.waitOperation(t, applied.ID); got.Status != "SUCCEEDED" {
		t.Fatalf("the dead replica's apply after the take-over: %+v", got)
	}
	for _, name := range []string{"held-1", "held-2"} {
		if _, err := kc.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{}); err != nil {
			t.Errorf("ConfigMap %s after the re-run: %v", name, err)
		}
	}
	if got := b.metric(t, `bcs_operations_reaped_total{action="APPLY",outcome="rerun"}`); got != "1" {
		t.Errorf("survivor's bcs_operations_reaped_total for the apply: %q, want 1", got)
	}
	// Only now: the re-run apply may still be RUNNING on B a moment after
	// the drain ended (it did under load).
	if n := unfinished(t, db); n != 0 {
		t.Errorf("%d operations still PENDING or RUNNING", n)
	}

	// SIGTERM: B's drain outlasts its grace, so B hands it back, and C,
	// whose lease has been held for a term, ends it without waiting.
	cproc := startServe(t, bin, url, secret, "c")
	onC := cproc.client(token)
	eventually(t, "replica C judging other replicas", func() bool { return cproc.metric(t, "bcs_operations_reaper_steady") == "1" })
	onB.do(t, drain, map[string]any{"cid": c.ID, "n": victim}).field(t, "drainNode", &op)
	eventually(t, "replica B draining", func() bool { return opStatus(t, onC, op.ID) == "RUNNING" })
	stopped := time.Now()
	b.terminate(t)
	final = waitOpLeaves(t, onC, op.ID, "RUNNING", 40*time.Second)
	t.Logf("a replica stopped with SIGTERM: its drain ended by another %s later", time.Since(stopped).Round(100*time.Millisecond))
	if final.Status != "FAILED" || final.Reason != "ReplicaStopped" {
		t.Fatalf("after SIGTERM: %+v", final)
	}
	if n := unfinished(t, db); n != 0 {
		t.Errorf("%d operations still PENDING or RUNNING after SIGTERM", n)
	}
}

// guardedNode places two pods on one node under a budget that refuses
// every eviction, so that draining the node runs until its timeout.
func guardedNode(t *testing.T, kc *kube.Cluster, ns string) (string, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := kc.Client.CoreV1().Namespaces().Create(ctx, namespaceObject(ns), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nodes, err := kc.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) == 0 {
		t.Fatalf("nodes: %v", err)
	}
	victim := nodes.Items[0].Name
	t.Cleanup(func() {
		_ = kc.Client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
		_, _ = kc.Client.CoreV1().Nodes().Patch(context.Background(), victim, types.MergePatchType,
			[]byte(`{"spec":{"unschedulable":false}}`), metav1.PatchOptions{})
	})
	d := deploymentObject("guarded", 2)
	d.Namespace = ns
	d.Spec.Template.Spec.NodeName = victim
	if _, err := kc.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	zero := intstr.FromInt32(0)
	budget := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "guarded"},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &zero, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "guarded"}}}}
	if _, err := kc.Client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, budget, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "guarded pods running under their budget", func() bool {
		pdb, err := kc.Client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "guarded", metav1.GetOptions{})
		return err == nil && pdb.Status.ObservedGeneration >= pdb.Generation && pdb.Status.ExpectedPods == 2 &&
			runningPods(t, kc.Client, ns, "guarded") == 2
	})
	return victim, podUIDs(t, kc, ns)
}

func configMaps(ns string, names ...string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  k: v\n", n, ns)
	}
	return b.String()
}

func podUIDs(t *testing.T, kc *kube.Cluster, ns string) map[string]bool {
	t.Helper()
	pods, err := kc.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			out[string(p.UID)] = true
		}
	}
	return out
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func unfinished(t *testing.T, db *storage.DB) int {
	t.Helper()
	n, err := db.Client.Operation.Query().Where(operation.StatusIn(operation.StatusPENDING, operation.StatusRUNNING)).Count(system())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func opStatus(t *testing.T, e *testEnv, id string) string {
	t.Helper()
	var op operationView
	e.do(t, `query($id: ID!) { operation(id: $id) { `+opFields+` } }`, map[string]any{"id": id}).field(t, "operation", &op)
	return op.Status
}

// waitOpLeaves polls an operation until its status is no longer from.
func waitOpLeaves(t *testing.T, e *testEnv, id, from string, within time.Duration) operationView {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var op operationView
		e.do(t, `query($id: ID!) { operation(id: $id) { `+opFields+` } }`, map[string]any{"id": id}).field(t, "operation", &op)
		if op.Status != from {
			return op
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation %s still %s after %s", id, from, within)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// bcsBinary builds the bcs binary once per test binary, with the hooks
// only tests compile in (-tags bcstesthooks), or returns $BCS_BINARY when
// that names one already built so.
func bcsBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("BCS_BINARY"); bin != "" {
		return bin
	}
	builtBCS.Do(func() {
		dir, err := tempDir()
		if err != nil {
			builtBCS.err = err
			return
		}
		builtBCS.path = filepath.Join(dir, "bcs")
		out, err := exec.Command("go", "build", "-tags", "bcstesthooks", "-o", builtBCS.path, "github.com/bcs-io/bcs/cmd/bcs").CombinedOutput()
		if err != nil {
			builtBCS.err = fmt.Errorf("go build ./cmd/bcs: %w\n%s", err, out)
		}
	})
	if builtBCS.err != nil {
		t.Fatal(builtBCS.err)
	}
	return builtBCS.path
}

var builtBCS struct {
	sync.Once
	path string
	err  error
}

// serveProc is a `bcs serve` process.
type serveProc struct {
	cmd  *exec.Cmd
	base string
	logs *lockedBuffer
	exit chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe starts `bcs serve` on database and waits until it serves; a
// start that lost its port to another process is tried again on another.
func startServe(t *testing.T, bin, database, secret, name string, env ...string) *serveProc {
	t.Helper()
	for attempt := 0; ; attempt++ {
		p, err := launchServe(bin, database, secret, env...)
		if err == nil {
			t.Cleanup(func() {
				_ = p.cmd.Process.Kill()
				<-p.exit
				if t.Failed() {
					t.Logf("bcs serve %s output:\n%s", name, p.logs.String())
				}
			})
			return p
		}
		if attempt == 2 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("bcs serve %s: %v", name, err)
		}
	}
}

func launchServe(bin, database, secret string, env ...string) (*serveProc, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	dir, err := os.MkdirTemp("", "bcs-serve-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--listen", addr, "--database", database, "--rate-limit", "0",
		"--secret-key-file", filepath.Join(dir, "unused.key"), "--log-level", "info")
	cmd.Env = append(append(os.Environ(), "BCS_SECRET_KEY="+secret), env...)
	p := &serveProc{cmd: cmd, base: "http://" + addr, logs: &lockedBuffer{}, exit: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.exit <- cmd.Wait(); _ = os.RemoveAll(dir) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(p.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case err := <-p.exit:
			p.exit <- err
			return nil, fmt.Errorf("exited before serving (%v):\n%s", err, p.logs.String())
		case <-time.After(100 * time.Millisecond): // polling interval, bounded by the deadline
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("not serving within 60 s:\n%s", p.logs.String())
		}
	}
}

// client is a test client of the process, as the admin holding token.
func (p *serveProc) client(token string) *testEnv {
	return &testEnv{srv: &httptest.Server{URL: p.base}, token: token, logs: &bytes.Buffer{}}
}

// kill ends the process with SIGKILL: no shutdown code runs.
func (p *serveProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-p.exit
	p.exit <- err
}

// terminate stops the process with SIGTERM and waits for it to exit.
func (p *serveProc) terminate(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exit:
		p.exit <- err
		if err != nil {
			t.Errorf("bcs serve after SIGTERM: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("bcs serve did not exit within 60 s of SIGTERM")
	}
}

// metric reads one sample's value from the process's /metrics.
func (p *serveProc) metric(t *testing.T, sample string) string {
	t.Helper()
	res, err := http.Get(p.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			return v
		}
	}
	return ""
}

// Which process runs an operation, and the sealed replay of its step, are
// BCS's own: no field, filter or order of the API reads them.
func TestOperationRunnerIsInternal(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	res := env.do(t, `{ op: __type(name: "Operation") { fields { name } } where: __type(name: "OperationWhereInput") { inputFields { name } } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	for _, banned := range []string{"runner", "replay"} {
		if strings.Contains(strings.ToLower(res.raw), `"`+banned) {
			t.Errorf("the API exposes %s: %s", banned, res.raw)
		}
	}
	if res := env.do(t, `{ operations(first: 1) { edges { node { id runner } } } }`, nil); res.code() != "BAD_USER_INPUT" || len(res.Data) > 0 {
		t.Errorf("querying runner: %s", res.raw)
	}
}
