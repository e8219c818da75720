package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/auditentry"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/testenv/kube"
)

// kubectlRunner runs the real kubectl with a kubeconfig of its own and
// nothing of the machine's (no ~/.kube, no KUBECONFIG).
type kubectlRunner struct {
	bin, home string
}

func newKubectl(t testing.TB) *kubectlRunner {
	t.Helper()
	bin, err := kube.Kubectl()
	if err != nil {
		t.Fatal(err)
	}
	return &kubectlRunner{bin: bin, home: t.TempDir()}
}

func (k *kubectlRunner) command(ctx context.Context, kubeconfig string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--kubeconfig", kubeconfig, "--request-timeout", "60s"}, args...)...)
	cmd.Env = []string{"HOME=" + k.home, "KUBECACHEDIR=" + filepath.Join(k.home, "cache"), "PATH=/usr/bin:/bin"}
	return cmd
}

// run answers kubectl's stdout, stderr and whether it succeeded.
func (k *kubectlRunner) run(t testing.TB, kubeconfig, stdin string, args ...string) (string, string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := k.command(ctx, kubeconfig, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, strings.NewReader(stdin)
	err := cmd.Run()
	return out.String(), errb.String(), err == nil
}

func (k *kubectlRunner) ok(t *testing.T, kubeconfig, stdin string, args ...string) string {
	t.Helper()
	out, errs, ok := k.run(t, kubeconfig, stdin, args...)
	if !ok {
		t.Fatalf("kubectl %s: %s%s", strings.Join(args, " "), out, errs)
	}
	return out
}

// fails asserts kubectl fails with want in its error output.
func (k *kubectlRunner) fails(t *testing.T, kubeconfig, want string, args ...string) string {
	t.Helper()
	out, errs, ok := k.run(t, kubeconfig, "", args...)
	if ok || !strings.Contains(errs, want) {
		t.Fatalf("kubectl %s: ok=%v %s%s; want a failure saying %q", strings.Join(args, " "), ok, out, errs, want)
	}
	return errs
}

// kubeconfigFile asks BCS for a kubeconfig as e's user and writes it.
func (e *testEnv) kubeconfigFile(t testing.TB, clusterID string) string {
	t.Helper()
	var cfg string
	e.do(t, `mutation($c: ID!) { createKubeconfig(clusterID: $c, expiresIn: "1h") }`, map[string]any{"c": clusterID}).field(t, "createKubeconfig", &cfg)
	f := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(f, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// kubeconfigToken is the bearer token in a kubeconfig BCS wrote.
func kubeconfigToken(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "token: "); ok {
			return v
		}
	}
	t.Fatalf("no token in %s", b)
	return ""
}

// tokenKubeconfig is a kubeconfig for server (BCS over TLS, tlsCA) with a
// given bearer token (or none), for requests that BCS must refuse.
func tokenKubeconfig(t *testing.T, server, token string) string {
	t.Helper()
	cfg := "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: x\n  cluster: {server: " + server +
		", certificate-authority-data: " + base64.StdEncoding.EncodeToString(tlsCA) + "}\n" +
		"contexts:\n- name: x\n  context: {cluster: x, user: x}\nusers:\n- name: x\n  user: {token: \"" + token + "\"}\n"
	if token == "" {
		cfg = strings.Replace(cfg, `{token: ""}`, "{}", 1)
	}
	f := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(f, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// tlsCA is the CA of httptest's TLS servers: kubectl sends a token over
// https only, so the proxy tests reach BCS over TLS.
var tlsCA []byte

// kubeProxyEnv is a test server also served over TLS, as kubectl reaches
// it, and known by that URL (--public-url) and CA (--public-ca-file).
func kubeProxyEnv(t testing.TB) (env *testEnv, tlsURL string) {
	t.Helper()
	var h atomic.Pointer[Server]
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().ServeHTTP(w, r) }))
	ts.StartTLS()
	tlsCA = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	env = newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.KubeProxy.PublicURL, c.KubeProxy.CA = ts.URL, tlsCA
	})
	h.Store(env.server)
	t.Cleanup(ts.Close)
	tlsClient = ts.Client()
	return env, ts.URL
}

// tlsClient trusts tlsCA.
var tlsClient *http.Client

// proxyGet sends a GET to the proxy over TLS with a token (if any) and
// header pairs.
func proxyGet(t *testing.T, url, token string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	res, err := tlsClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

func (e *testEnv) member(t *testing.T, projectID, name, role string) string {
	t.Helper()
	e.do(t, `mutation($p: ID!, $u: String!, $r: MemberRole!) { addMember(projectID: $p, userName: $u, role: $r) { id } }`,
		map[string]any{"p": projectID, "u": name, "r": role}).field(t, "addMember", new(struct{ ID string }))
	tok, err := auth.Bootstrap(system(), e.db.Client, name, false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func configMap(ns, name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns + "}\ndata: {k: v}\n"
}

// kubectl through BCS, against a real control plane: a developer gets,
// applies, watches and deletes with a kubeconfig BCS made; the cluster's
// RBAC refuses a viewer through impersonation; the doors stay shut to
// outsiders, other projects' clusters, revoked tokens, client-sent
// impersonation and /query; a demotion counts on the next request; every
// mutating request is audited.
func TestKubectlThroughBCS(t *testing.T) {
	a, b := kubeClusters(t)
	kc := newKubectl(t)
	env, base := kubeProxyEnv(t)
	p := env.createProject(t, "Kubectl", "kubectl")
	other := env.createProject(t, "Other", "other")
	var alpha, beta struct{ ID string }
	env.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "alpha", "kubeconfig": string(a.Kubeconfig)}}).field(t, "registerCluster", &alpha)
	env.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": other.ID, "name": "beta", "kubeconfig": string(b.Kubeconfig)}}).field(t, "registerCluster", &beta)
	ctx := context.Background()
	// Registration installs BCS's bindings.
	eventually(t, "bcs:developer bound to edit", func() bool {
		crb, err := a.Client.RbacV1().ClusterRoleBindings().Get(ctx, "bcs:developer", metav1.GetOptions{})
		return err == nil && crb.RoleRef.Name == "edit"
	})
	const ns = "kproxy"
	if _, err := a.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}) })

	dev := env.as(env.member(t, p.ID, "dora", "DEVELOPER"))
	viewer := env.as(env.member(t, p.ID, "vic", "VIEWER"))
	devCfg := dev.kubeconfigFile(t, alpha.ID)

	// get, apply, get -w, delete.
	kc.ok(t, devCfg, "", "get", "pods", "-n", ns)
	kc.ok(t, devCfg, configMap(ns, "one"), "apply", "-f", "-")
	if _, err := a.Client.CoreV1().ConfigMaps(ns).Get(ctx, "one", metav1.GetOptions{}); err != nil {
		t.Fatalf("apply through BCS did not create the ConfigMap: %v", err)
	}
	if out := kc.ok(t, devCfg, "", "get", "configmap", "one", "-n", ns, "-o", "jsonpath={.data.k}"); out != "v" {
		t.Fatalf("get: %q", out)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watch := kc.command(watchCtx, devCfg, "get", "configmaps", "-n", ns, "-w", "-o", "name")
	stdout, err := watch.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var watchErr bytes.Buffer
	watch.Stderr = &watchErr
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(want string) {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("watch ended before %q: %s", want, watchErr.String())
				}
				if strings.Contains(l, want) {
					return
				}
			case <-deadline:
				t.Fatalf("no watch event %q: %s", want, watchErr.String())
			}
		}
	}
	waitLine("configmap/one") // the initial list
	if _, err := a.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "two"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitLine("configmap/two") // flushed as it happened, not at the end
	stopWatch()
	_ = watch.Wait()
	kc.ok(t, devCfg, "", "delete", "configmap", "one", "-n", ns)
	if _, err := a.Client.CoreV1().ConfigMaps(ns).Get(ctx, "one", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("delete through BCS: %v", err)
	}

	// The viewer reads but the cluster's RBAC refuses their create, as bcs:vic.
	viewerCfg := viewer.kubeconfigFile(t, alpha.ID)
	kc.ok(t, viewerCfg, "", "get", "configmaps", "-n", ns)
	errs := kc.fails(t, viewerCfg, "forbidden", "create", "configmap", "nope", "-n", ns, "--from-literal=a=b")
	if !strings.Contains(errs, `User "bcs:vic"`) {
		t.Fatalf("refusal does not name the impersonated user: %s", errs)
	}

	// Impersonate-* headers from the client are not honoured: as
	// system:masters the developer could read nodes; as themself they may not.
	code, body := proxyGet(t, base+"/clusters/"+alpha.ID+"/k8s/api/v1/nodes", dev.token,
		"Impersonate-User", "admin", "Impersonate-Group", "system:masters", "X-Remote-Group", "system:masters")
	if code != http.StatusForbidden || !strings.Contains(body, `bcs:dora`) {
		t.Fatalf("client impersonation: %d %s; want 403 for bcs:dora", code, body)
	}

	// Another project's cluster is not found; neither is one that never was.
	devToken := tokenKubeconfig(t, base+"/clusters/"+beta.ID+"/k8s", dev.token)
	kc.fails(t, devToken, "NotFound", "get", "pods")
	kc.fails(t, tokenKubeconfig(t, base+"/clusters/cls_nosuch/k8s", dev.token), "NotFound", "get", "pods")
	// The kubeconfig's token opens alpha only: not beta, not /query.
	scoped := kubeconfigToken(t, devCfg)
	kc.fails(t, tokenKubeconfig(t, base+"/clusters/"+beta.ID+"/k8s", scoped), "You must be logged in", "get", "pods")
	if r := env.as(scoped).do(t, `{ me { name } }`, nil); r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("kubeconfig token on /query: %d %s", r.status, r.raw)
	}
	// Outsiders and anonymous callers: 401.
	outsiderCfg := tokenKubeconfig(t, base+"/clusters/"+alpha.ID+"/k8s", outsider(t, env, "olga"))
	kc.fails(t, outsiderCfg, "NotFound", "get", "pods")
	kc.fails(t, tokenKubeconfig(t, base+"/clusters/"+alpha.ID+"/k8s", "bcs_notatoken"), "You must be logged in", "get", "pods")
	if code, body := proxyGet(t, base+"/clusters/"+alpha.ID+"/k8s/api/v1/pods", ""); code != http.StatusUnauthorized ||
		!strings.Contains(body, `"kind":"Status"`) || !strings.Contains(body, `"reason":"Unauthorized"`) {
		t.Fatalf("anonymous: %d %s", code, body)
	}

	// The kubeconfig's token is listed in `tokens`, scoped; revoked, it is
	// refused on the very next request.
	var toks []struct{ ID, Name, ClusterID string }
	dev.do(t, `{ tokens { id name clusterID } }`, nil).field(t, "tokens", &toks)
	var scopedID string
	for _, tk := range toks {
		if tk.ClusterID == alpha.ID {
			scopedID = tk.ID
		}
	}
	if scopedID == "" {
		t.Fatalf("kubeconfig token not listed: %+v", toks)
	}
	kc.ok(t, devCfg, "", "get", "configmaps", "-n", ns) // cached as valid
	dev.do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": scopedID}).field(t, "revokeToken", new(struct{ ID string }))
	kc.fails(t, devCfg, "You must be logged in", "get", "configmaps", "-n", ns)

	// A demotion counts from the next request on.
	devCfg = dev.kubeconfigFile(t, alpha.ID)
	kc.ok(t, devCfg, "", "create", "configmap", "three", "-n", ns, "--from-literal=a=b")
	var m struct{ ID string }
	env.do(t, `mutation($id: ID!) { updateMemberRole(id: $id, role: VIEWER) { id } }`, map[string]any{"id": memberOf(t, env, p.ID, "dora")}).field(t, "updateMemberRole", &m)
	kc.fails(t, devCfg, "forbidden", "create", "configmap", "four", "-n", ns, "--from-literal=a=b")

	// Mutating requests are in the audit log, with who, where, what and the code.
	entries := env.db.Client.AuditEntry.Query().Where(auditentry.ActionHasPrefix("kubernetes.")).AllX(system())
	want := map[string]bool{"dora kubernetes.create configmaps one 201 SUCCESS": false, "dora kubernetes.delete configmaps one 200 SUCCESS": false,
		"vic kubernetes.create configmaps nope 403 DENIED": false, "dora kubernetes.create configmaps four 403 DENIED": false}
	for _, e := range entries {
		if e.ProjectID != p.ID || e.Arguments["clusterID"] != alpha.ID || e.Arguments["namespace"] != ns {
			continue
		}
		key := strings.Join([]string{e.Actor, e.Action, e.TargetType, e.TargetID, fmt.Sprint(e.Arguments["code"]), string(e.Result)}, " ")
		if _, ok := want[key]; ok {
			want[key] = true
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no audit entry %q among %d", k, len(entries))
			for _, e := range entries {
				t.Logf("%s %s %s %s %v %s", e.Actor, e.Action, e.TargetType, e.TargetID, e.Arguments, e.Result)
			}
		}
	}
	if v := metricValue(t, env, `bcs_kubeproxy_requests_total{cluster="`+alpha.ID+`",code="403",verb="create"}`); v < 2 {
		t.Errorf("metrics count %v refused creates", v)
	}
}
