package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/auditentry"
	"github.com/bcs-io/bcs/ent/execsession"
	"github.com/bcs-io/bcs/internal/agent"
	"github.com/bcs-io/bcs/internal/testenv/kube"
)

// streamsPlane is a control plane whose kwok serves the kubelet API: pod
// "shell" in default answers logs from podLog and exec by running the
// command on this machine. The package shares it; TestMain stops it.
var streamsPlane struct {
	once    sync.Once
	err     error
	cluster *kube.Cluster
	podLog  string
}

func streamsCluster(t testing.TB) (*kube.Cluster, string) {
	t.Helper()
	streamsPlane.once.Do(func() {
		dir, err := tempDir()
		if err != nil {
			streamsPlane.err = err
			return
		}
		streamsPlane.podLog = filepath.Join(dir, "pod.log")
		if streamsPlane.err = os.WriteFile(streamsPlane.podLog, []byte(podLogLine("first")), 0o600); streamsPlane.err != nil {
			return
		}
		conf, err := kube.WriteStreamsConfig(dir, streamsPlane.podLog)
		if err != nil {
			streamsPlane.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), kube.StartTimeout)
		defer cancel()
		c, err := kube.Start(ctx, filepath.Join(dir, "kube"), kube.Options{Name: "streams", Nodes: 1, Kubelet: true,
			KwokConfigs: []string{conf}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			streamsPlane.err = err
			return
		}
		kubeStopsMu.Lock()
		kubeStops = append(kubeStops, c.Stop)
		kubeStopsMu.Unlock()
		kube.RunPodT(ctx, t, c, "default", "shell")
		streamsPlane.cluster = c
	})
	if streamsPlane.err != nil || streamsPlane.cluster == nil {
		t.Fatalf("streams control plane: %v", streamsPlane.err)
	}
	return streamsPlane.cluster, streamsPlane.podLog
}

// podLogLine is one CRI-format log line as kwok serves them.
func podLogLine(msg string) string {
	return "2026-01-01T00:00:00Z stdout F " + msg + "\n"
}

// appendLog feeds `logs -f`.
func appendLog(t testing.TB, path, msg string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(podLogLine(msg)); err != nil {
		t.Fatal(err)
	}
}

// lineReader reads a running command's stdout line by line.
type lineReader struct {
	lines  chan string
	stderr *bytes.Buffer
}

func startLines(t *testing.T, cmd *exec.Cmd, stdout *bufio.Scanner, stderr *bytes.Buffer) *lineReader {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lr := &lineReader{lines: make(chan string, 100), stderr: stderr}
	go func() {
		for stdout.Scan() {
			lr.lines <- stdout.Text()
		}
		close(lr.lines)
	}()
	return lr
}

func (lr *lineReader) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-lr.lines:
			if !ok {
				t.Fatalf("output ended before %q: %s", want, lr.stderr)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no line %q: %s", want, lr.stderr)
		}
	}
}

const setKubectlSettings = `mutation($p: ID!, $in: KubectlSettingsInput!) { setKubectlSettings(projectID: $p, input: $in) { id } }`

// TestKubectlStreamsThroughBCS: the real kubectl, with kubeconfigs from
// the kubeconfig query, follows a kwok pod's logs and execs in it through
// /clusters/{id}/k8s (the proxy handing the stream to the streams
// handler); the session is audited and, with recording on, replays; a
// viewer's exec is refused by BCS's switch and, with the switch lowered,
// by the cluster's RBAC; revoking the kubeconfig's token ends an open
// interactive session and kubectl is told why.
func TestKubectlStreamsThroughBCS(t *testing.T) {
	c, podLog := streamsCluster(t)
	kc := newKubectl(t)
	env, _ := kubeProxyEnv(t)
	p := env.createProject(t, "Streams", "streams")
	var cl struct{ ID string }
	env.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "kwok", "kubeconfig": string(c.Kubeconfig)}}).field(t, "registerCluster", &cl)
	ctx := context.Background()
	eventually(t, "BCS's bindings installed", func() bool {
		_, err := c.Client.RbacV1().ClusterRoleBindings().Get(ctx, "bcs:viewer", metav1.GetOptions{})
		return err == nil
	})
	dev := env.as(env.member(t, p.ID, "devi", "DEVELOPER"))
	viewer := env.as(env.member(t, p.ID, "vera", "VIEWER"))
	devCfg := dev.kubeconfigFile(t, cl.ID)
	viewerCfg := viewer.kubeconfigFile(t, cl.ID)

	// logs -f: what is in the log, then what is appended, as it happens.
	// A viewer may read logs (view covers pods/log).
	logCtx, stopLogs := context.WithCancel(ctx)
	defer stopLogs()
	logs := kc.command(logCtx, viewerCfg, "logs", "-f", "shell", "-c", "main", "-n", "default")
	out, err := logs.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logErr bytes.Buffer
	logs.Stderr = &logErr
	lr := startLines(t, logs, bufio.NewScanner(out), &logErr)
	lr.wait(t, "first")
	marker := fmt.Sprintf("appended-%d", time.Now().UnixNano())
	appendLog(t, podLog, marker)
	lr.wait(t, marker)
	stopLogs()
	_ = logs.Wait()

	// exec, recorded: the owner switches recording on first.
	env.do(t, `mutation($p: ID!) { setExecRecording(projectID: $p, enabled: true) { id } }`, map[string]any{"p": p.ID}).field(t, "setExecRecording", new(struct{ ID string }))
	if got := kc.ok(t, devCfg, "", "exec", "shell", "-c", "main", "-n", "default", "--", "echo", "hello"); got != "hello\n" {
		t.Fatalf("kubectl exec: %q", got)
	}
	var sessionID string
	eventually(t, "the exec session ended", func() bool {
		s, err := env.db.Client.ExecSession.Query().Where(execsession.User("devi"), execsession.EndedAtNotNil()).First(system())
		if err == nil {
			sessionID = string(s.ID)
		}
		return err == nil
	})
	for _, action := range []string{"execSessionStart", "execSessionEnd"} {
		n := env.db.Client.AuditEntry.Query().Where(auditentry.Action(action), auditentry.Actor("devi"), auditentry.ProjectID(p.ID)).CountX(system())
		if n != 1 {
			t.Errorf("%d %s audit entries for devi's exec, want 1", n, action)
		}
	}
	var replay struct {
		ID, Status, Recording string
		Command               []string
		Recorded              bool
	}
	env.do(t, `query($id: ID!) { execSession(id: $id) { id status command recorded recording } }`, map[string]any{"id": sessionID}).field(t, "execSession", &replay)
	if !replay.Recorded || replay.Status != "exit 0" || !strings.Contains(replay.Recording, `"version":2`) || !strings.Contains(replay.Recording, "hello") ||
		strings.Join(replay.Command, " ") != "echo hello" {
		t.Fatalf("replay: %+v", replay)
	}
	// Owners only: the developer who ran it does not replay it.
	if r := dev.do(t, `query($id: ID!) { execSession(id: $id) { recording } }`, map[string]any{"id": sessionID}); r.code() != "NOT_FOUND" || strings.Contains(r.raw, "hello") {
		t.Fatalf("developer replayed: %s", r.raw)
	}

	// A viewer's exec: BCS's switch (execMinRole DEVELOPER) refuses it.
	errs := kc.fails(t, viewerCfg, "exec, attach and port-forward", "exec", "shell", "-c", "main", "-n", "default", "--", "echo", "hello")
	if strings.Contains(errs, "hello") {
		t.Fatalf("viewer exec ran: %s", errs)
	}
	vera := func() int {
		return env.db.Client.ExecSession.Query().Where(execsession.User("vera")).CountX(system())
	}
	if n := vera(); n != 0 {
		t.Fatalf("the switch's refusal reached the cluster: %d sessions", n)
	}
	// Lowered to VIEWER, BCS lets the cluster decide: view cannot create
	// pods/exec, and the cluster says so for the impersonated user.
	env.do(t, setKubectlSettings, map[string]any{"p": p.ID, "in": map[string]any{"execMinRole": "VIEWER"}}).field(t, "setKubectlSettings", new(struct{ ID string }))
	errs = kc.fails(t, viewerCfg, "forbidden", "exec", "shell", "-c", "main", "-n", "default", "--", "echo", "hello")
	if !strings.Contains(errs, `User "bcs:vera"`) || !strings.Contains(errs, "pods/exec") {
		t.Fatalf("cluster's refusal of the viewer's exec: %s", errs)
	}

	// Refused by the cluster, the attempt is a session (kubectl tries
	// websockets, then SPDY) audited as DENIED.
	eventually(t, "the viewer's refused exec audited", func() bool {
		return env.db.Client.AuditEntry.Query().Where(auditentry.Action("execSessionEnd"), auditentry.Actor("vera"),
			auditentry.ResultEQ(auditentry.ResultDENIED)).ExistX(system())
	})

	// An open `exec -i` ends when its kubeconfig's token is revoked.
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inR.Close()
	defer inW.Close()
	execCtx, cancelExec := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelExec()
	cat := kc.command(execCtx, devCfg, "exec", "-i", "shell", "-c", "main", "-n", "default", "--", "cat")
	var catOut, catErr bytes.Buffer
	cat.Stdin, cat.Stdout, cat.Stderr = inR, &catOut, &catErr
	if err := cat.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cat.Wait() }()
	eventually(t, "the cat session open", func() bool {
		return env.db.Client.ExecSession.Query().Where(execsession.User("devi"), execsession.EndedAtIsNil()).ExistX(system())
	})
	var toks []struct{ ID, ClusterID string }
	dev.do(t, `{ tokens { id clusterID } }`, nil).field(t, "tokens", &toks)
	revoked := 0
	for _, tk := range toks {
		if tk.ClusterID == cl.ID {
			dev.do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": tk.ID}).field(t, "revokeToken", new(struct{ ID string }))
			revoked++
		}
	}
	if revoked != 1 {
		t.Fatalf("%d kubeconfig tokens of devi's, want 1: %+v", revoked, toks)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(catErr.String(), "BCS closed the session: API token revoked") {
			t.Fatalf("kubectl exec -i after the revocation: %v %q", err, catErr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the revoked token's exec session stayed open")
	}
	eventually(t, "the cat session ended", func() bool {
		return !env.db.Client.ExecSession.Query().Where(execsession.User("devi"), execsession.EndedAtIsNil()).ExistX(system())
	})
	s := env.db.Client.ExecSession.Query().Where(execsession.User("devi")).Order(execsession.ByStartedAt()).AllX(system())
	if last := s[len(s)-1]; last.Status != "ended: API token revoked" {
		t.Fatalf("revoked session's status %q", last.Status)
	}
}

// TestKubectlThroughAgentTunnel: a cluster registered by `bcs agent`
// whose reported API server address BCS cannot reach is served at
// /clusters/{id}/k8s through the agent's tunnel: kubectl lists and
// applies through it.
func TestKubectlThroughAgentTunnel(t *testing.T) {
	a, _ := kubeClusters(t)
	kc := newKubectl(t)
	env, _ := kubeProxyEnv(t)
	p := env.createProject(t, "Behind NAT", "natkubectl")
	var reg struct {
		Token   string
		Cluster struct{ ID string }
	}
	env.do(t, `mutation($p: ID!) { createRegisterToken(projectID: $p, clusterName: "edge") { token cluster { id } } }`,
		map[string]any{"p": p.ID}).field(t, "createRegisterToken", &reg)
	cid := reg.Cluster.ID
	unreachable := closedAddress(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(ctx, agent.Config{Server: env.srv.URL, Token: reg.Token, Interval: 500 * time.Millisecond,
			Rest: a.Config, Advertise: unreachable, Log: slog.New(slog.DiscardHandler)})
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	eventually(t, "the cluster NORMAL through the tunnel", func() bool {
		var c struct{ Status, Endpoint string }
		env.do(t, `query($id: ID!) { cluster(id: $id) { status endpoint } }`, map[string]any{"id": cid}).field(t, "cluster", &c)
		if c.Endpoint != "" && c.Endpoint != unreachable {
			t.Fatalf("endpoint %q, want the reported %q", c.Endpoint, unreachable)
		}
		return c.Status == "NORMAL"
	})
	if !env.server.tunnels.Connected(cid) {
		t.Fatal("NORMAL without a tunnel")
	}
	bctx := context.Background()
	eventually(t, "bcs:developer bound to edit", func() bool {
		crb, err := a.Client.RbacV1().ClusterRoleBindings().Get(bctx, "bcs:developer", metav1.GetOptions{})
		return err == nil && crb.RoleRef.Name == "edit"
	})
	const ns = "tunnelled-kubectl"
	if _, err := a.Client.CoreV1().Namespaces().Create(bctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Client.CoreV1().Namespaces().Delete(bctx, ns, metav1.DeleteOptions{}) })
	if _, err := a.Client.CoreV1().Pods(ns).Create(bctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "behind-nat"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox"}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	dev := env.as(env.member(t, p.ID, "tina", "DEVELOPER"))
	cfg := dev.kubeconfigFile(t, cid)
	if out := kc.ok(t, cfg, "", "get", "pods", "-A"); !strings.Contains(out, ns) || !strings.Contains(out, "behind-nat") {
		t.Fatalf("kubectl get pods -A through the tunnel: %s", out)
	}
	kc.ok(t, cfg, configMap(ns, "through-tunnel"), "apply", "-f", "-")
	if _, err := a.Client.CoreV1().ConfigMaps(ns).Get(bctx, "through-tunnel", metav1.GetOptions{}); err != nil {
		t.Fatalf("apply through the tunnel: %v", err)
	}
	// The agent gone, its tunnel is too: the proxy falls back to the
	// reported address, which fails at once, and answers a Status, never
	// hangs.
	stop()
	if err := <-done; err != nil {
		t.Error(err)
	}
	done <- nil
	eventually(t, "the tunnel gone", func() bool { return !env.server.tunnels.Connected(cid) })
	code, body := proxyGet(t, strings.TrimSuffix(kubeconfigServer(t, cfg), "/")+"/api/v1/namespaces/"+ns+"/pods", kubeconfigToken(t, cfg))
	if code != http.StatusBadGateway || !strings.Contains(body, `"kind":"Status"`) || !strings.Contains(body, "did not answer") {
		t.Fatalf("proxy without the tunnel: %d %s", code, body)
	}
}

// kubeconfigServer is the server URL in a kubeconfig BCS wrote.
func kubeconfigServer(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "server: "); ok {
			return v
		}
	}
	t.Fatalf("no server in %s", b)
	return ""
}
