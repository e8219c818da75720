package kubeproxy

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/project"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/storage"
)

// fixture is a proxy in front of a fake API server that records what
// reached it, over a real database.
type fixture struct {
	h        *Handler
	client   *ent.Client
	cluster  *ent.Cluster
	project  *ent.Project
	seen     chan http.Header // the upstream's received headers
	upstream *httptest.Server
}

func newFixture(t *testing.T, upstream http.HandlerFunc) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	f := &fixture{client: db.Client, seen: make(chan http.Header, 10)}
	f.upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.seen <- r.Header.Clone()
		upstream(w, r)
	}))
	t.Cleanup(f.upstream.Close)
	sys := auth.System(ctx)
	f.project = db.Client.Project.Create().SetName("p").SetCode("p").SaveX(sys)
	f.cluster = db.Client.Cluster.Create().SetProjectID(f.project.ID).SetName("c").SetKind(cluster.KindK8S).
		SetStatus(cluster.StatusNORMAL).SaveX(sys)
	base, _ := url.Parse(f.upstream.URL)
	f.h = &Handler{Client: db.Client, Auth: &auth.Authenticator{Client: db.Client},
		Upstream: func(context.Context, *ent.Cluster) (*url.URL, http.RoundTripper, error) {
			return base, credential{http.DefaultTransport}, nil
		},
		Log: slog.New(slog.DiscardHandler), RequestID: func(context.Context) string { return "rid" }}
	return f
}

// credential stands for BCS's stored credential, as client-go adds it:
// only when the request carries no Authorization of its own.
type credential struct{ rt http.RoundTripper }

func (c credential) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer bcs-credential")
	}
	return c.rt.RoundTrip(r)
}

func (f *fixture) user(t *testing.T, name string, role member.Role) string {
	t.Helper()
	sys := auth.System(context.Background())
	u := f.client.User.Create().SetName(name).SaveX(sys)
	if role != "" {
		f.client.Member.Create().SetProjectID(f.project.ID).SetUserID(u.ID).SetRole(role).SaveX(sys)
	}
	secret, _, err := auth.IssueToken(sys, f.client, u.ID, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func (f *fixture) do(token, method, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/clusters/"+string(f.cluster.ID)+"/k8s"+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

func status(t *testing.T, w *httptest.ResponseRecorder) (kind, reason string) {
	t.Helper()
	var s struct{ Kind, Reason string }
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatalf("not a Status: %s", w.Body)
	}
	return s.Kind, s.Reason
}

func TestHeadersReachingTheCluster(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"kind":"PodList"}`) })
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	w := f.do(dev, http.MethodGet, "/api/v1/pods",
		"Impersonate-User", "admin", "Impersonate-Group", "system:masters", "Impersonate-Uid", "0",
		"Impersonate-Extra-Scopes", "all", "X-Remote-User", "admin", "Cookie", "session=1")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	h := <-f.seen
	if h.Get("Authorization") != "Bearer bcs-credential" {
		t.Errorf("the user's token reached the cluster: %q", h.Get("Authorization"))
	}
	if h.Get("Impersonate-User") != "bcs:dev" || strings.Join(h.Values("Impersonate-Group"), ",") != "bcs:developer,system:authenticated" {
		t.Errorf("impersonation: %v %v", h.Values("Impersonate-User"), h.Values("Impersonate-Group"))
	}
	for k := range h {
		if k == "Impersonate-Uid" || strings.HasPrefix(k, "Impersonate-Extra") || strings.HasPrefix(k, "X-Remote") || k == "Cookie" {
			t.Errorf("client header %s reached the cluster", k)
		}
	}
}

func TestDoorsAnswerKubernetesStatus(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, _ *http.Request) {})
	outsider := f.user(t, "olga", "")
	for name, c := range map[string]struct {
		token, path string
		code        int
		reason      string
	}{
		"anonymous": {"", "/api", http.StatusUnauthorized, "Unauthorized"},
		"bad token": {"bcs_nope", "/api", http.StatusUnauthorized, "Unauthorized"},
		"outsider":  {outsider, "/api", http.StatusNotFound, "NotFound"},
	} {
		w := f.do(c.token, http.MethodGet, c.path)
		if kind, reason := status(t, w); w.Code != c.code || kind != "Status" || reason != c.reason {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
	if len(f.seen) != 0 {
		t.Error("a refused request reached the cluster")
	}
	// A scoped token of another cluster is refused.
	other := f.client.Cluster.Create().SetProjectID(f.project.ID).SetName("o").SetKind(cluster.KindK8S).SaveX(auth.System(context.Background()))
	u := f.client.User.Create().SetName("sam").SaveX(auth.System(context.Background()))
	f.client.Member.Create().SetProjectID(f.project.ID).SetUserID(u.ID).SetRole(member.RoleOWNER).SaveX(auth.System(context.Background()))
	scoped, _, err := auth.IssueClusterToken(auth.System(context.Background()), f.client, u.ID, "k", nil, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if w := f.do(scoped, http.MethodGet, "/api"); w.Code != http.StatusUnauthorized {
		t.Errorf("token of another cluster: %d", w.Code)
	}
	if _, err := f.h.Auth.Authenticate(context.Background(), scoped); err == nil {
		t.Error("a cluster-scoped token authenticates for GraphQL")
	}
}

func TestStreamsHookGetsTheUpstream(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	var mu sync.Mutex
	var got Upstream
	var gotAuth string
	f.h.Streams = func(w http.ResponseWriter, r *http.Request, up Upstream) {
		mu.Lock()
		got, gotAuth = up, r.Header.Get("Authorization")+r.Header.Get("Impersonate-User")
		mu.Unlock()
		// The hook reaches the cluster through the upstream's transport.
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, up.URL.String()+up.Path, nil)
		req.Header.Set("Impersonate-User", "admin")
		res, err := up.Transport.RoundTrip(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		res.Body.Close()
		w.WriteHeader(res.StatusCode)
	}
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	viewer := f.user(t, "vi", member.RoleVIEWER)
	path := "/api/v1/namespaces/ns/pods/web-0/exec"
	if w := f.do(viewer, http.MethodGet, path, "Upgrade", "websocket", "Connection", "Upgrade"); w.Code != http.StatusForbidden {
		t.Fatalf("viewer reached exec: %d", w.Code)
	}
	w := f.do(dev, http.MethodGet, path+"?command=sh", "Upgrade", "websocket", "Connection", "Upgrade", "Impersonate-User", "admin")
	if w.Code != http.StatusTeapot {
		t.Fatalf("exec through the hook: %d %s", w.Code, w.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.User != "dev" || got.Namespace != "ns" || got.Pod != "web-0" || got.Subresource != "exec" || got.ClusterID != string(f.cluster.ID) ||
		got.ProjectID != string(f.project.ID) || got.Path != path || gotAuth != "" {
		t.Fatalf("upstream %+v, client credentials seen by the hook %q", got, gotAuth)
	}
	if h := <-f.seen; h.Get("Impersonate-User") != "bcs:dev" || h.Get("Authorization") != "Bearer bcs-credential" {
		t.Fatalf("hook's request reached the cluster as %v", h)
	}
	// The switch raised: the developer no longer reaches the hook.
	f.client.Project.UpdateOne(f.project).SetExecMinRole(project.ExecMinRoleOWNER).ExecX(auth.System(context.Background()))
	if w := f.do(dev, http.MethodGet, path, "Upgrade", "websocket"); w.Code != http.StatusForbidden {
		t.Fatalf("developer exec after the switch: %d", w.Code)
	}
}

func TestIdleWatchEnds(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"type":"ADDED"}`+"\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // then nothing, until BCS gives up
	})
	f.h.IdleTimeout = 200 * time.Millisecond
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- f.do(dev, http.MethodGet, "/api/v1/pods?watch=1") }()
	select {
	case w := <-done:
		if !strings.Contains(w.Body.String(), "ADDED") {
			t.Fatalf("event lost: %s", w.Body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("an idle watch was not ended")
	}
}

func TestParseRequest(t *testing.T) {
	for path, want := range map[string]request{
		"/api/v1/namespaces/ns/pods/web/exec":                      {Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "ns", Name: "web"},
		"/apis/apps/v1/namespaces/ns/deployments":                  {Verb: "create", Group: "apps", Resource: "deployments", Namespace: "ns"},
		"/api/v1/namespaces/ns":                                    {Verb: "create", Resource: "namespaces", Name: "ns"},
		"/api/v1/namespaces/ns/finalize":                           {Verb: "create", Resource: "namespaces", Name: "ns", Subresource: "finalize"},
		"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x": {Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings", Name: "x"},
		"/version": {Verb: "create"},
	} {
		if got := parseRequest(httptest.NewRequest(http.MethodPost, path, nil), path); got != want {
			t.Errorf("%s: %+v, want %+v", path, got, want)
		}
	}
	for _, p := range []string{"/clusters/", "/clusters/x", "/clusters/x/k8sapi", "/clusters//k8s/api"} {
		if _, _, ok := splitPath(p); ok {
			t.Errorf("%s accepted", p)
		}
	}
	if id, rest, ok := splitPath("/clusters/cls_1/k8s"); !ok || id != "cls_1" || rest != "/" {
		t.Errorf("bare prefix: %s %s %v", id, rest, ok)
	}
}

func TestCreatedName(t *testing.T) {
	// A ConfigMap named "cm" as kubectl sends it in protobuf: magic, then
	// Unknown{raw(2): ConfigMap{metadata(1): ObjectMeta{name(1)}}}.
	meta := []byte{0x0a, 2, 'c', 'm'}
	obj := append([]byte{0x0a, byte(len(meta))}, meta...)
	body := append([]byte("k8s\x00"), append([]byte{0x0a, 0, 0x12, byte(len(obj))}, obj...)...)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/vnd.kubernetes.protobuf")
	if got := createdName(req); got != "cm" {
		t.Errorf("protobuf name %q", got)
	}
	if rest, _ := io.ReadAll(req.Body); string(rest) != string(body) {
		t.Error("body not left for the cluster")
	}
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"metadata":{"generateName":"job-"}}`))
	req.Header.Set("Content-Type", "application/json")
	if got := createdName(req); got != "job-*" {
		t.Errorf("json generateName %q", got)
	}
}

func TestRateLimitedToken(t *testing.T) {
	f := newFixture(t, func(http.ResponseWriter, *http.Request) {})
	f.h.Allow = func(string) (time.Duration, bool) { return 1500 * time.Millisecond, false }
	w := f.do(f.user(t, "dev", member.RoleDEVELOPER), http.MethodGet, "/api")
	if _, reason := status(t, w); w.Code != http.StatusTooManyRequests || reason != "TooManyRequests" || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("%d %s %v", w.Code, w.Body, w.Header())
	}
	if len(f.seen) != 0 {
		t.Error("a limited request reached the cluster")
	}
}

// Without a Streams hook, an exec websocket (kubectl's v5.channel.k8s.io)
// passes through the proxy both ways, through its writers.
func TestUpgradePassesThrough(t *testing.T) {
	up := websocket.Upgrader{Subprotocols: []string{"v5.channel.k8s.io"}}
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			_ = c.WriteMessage(typ, append([]byte("echo:"), msg...))
		}
	})
	f.h.IdleTimeout, f.h.MaxDuration = time.Minute, time.Minute
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/clusters/" + string(f.cluster.ID) + "/k8s/api/v1/namespaces/ns/pods/web-0/exec?command=sh"
	d := websocket.Dialer{Subprotocols: []string{"v5.channel.k8s.io"}}
	c, res, err := d.Dial(url, http.Header{"Authorization": {"Bearer " + dev}})
	if err != nil {
		t.Fatalf("dial: %v %v", err, res)
	}
	defer c.Close()
	if c.Subprotocol() != "v5.channel.k8s.io" {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	if h := <-f.seen; h.Get("Impersonate-User") != "bcs:dev" || h.Get("Authorization") != "Bearer bcs-credential" {
		t.Fatalf("upgrade reached the cluster as %v", h)
	}
	if err := c.WriteMessage(websocket.BinaryMessage, []byte("\x00ls\n")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := c.ReadMessage()
	if err != nil || string(msg) != "echo:\x00ls\n" {
		t.Fatalf("read %q %v", msg, err)
	}
}

func TestStreamsPerTokenBounded(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") })
	var mu sync.Mutex
	held := 0
	f.h.Hold = func(string) (func(), bool) {
		mu.Lock()
		defer mu.Unlock()
		if held >= 1 {
			return nil, false
		}
		held++
		return func() { mu.Lock(); held--; mu.Unlock() }, true
	}
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	held = 1 // another watch of this token is open
	if w := f.do(dev, http.MethodGet, "/api/v1/pods?watch=1"); w.Code != http.StatusTooManyRequests {
		t.Fatalf("watch beyond the cap: %d", w.Code)
	}
	if w := f.do(dev, http.MethodGet, "/api/v1/pods"); w.Code != http.StatusOK {
		t.Fatalf("a plain list is not a stream: %d", w.Code)
	}
	held = 0
	if w := f.do(dev, http.MethodGet, "/api/v1/pods?watch=1"); w.Code != http.StatusOK || held != 0 {
		t.Fatalf("watch within the cap: %d, slot held after it ended: %d", w.Code, held)
	}
}

// The API server reads a query flag as true unless it is "0" or "false"
// (any case): watch=True, watch=yes, watch= and follow=1 open streams
// there, so they must count against the token's cap here (and be watched
// for revocation and time limits) like watch=true.
func TestEverySpellingOfAStreamIsCapped(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") })
	f.h.Hold = func(string) (func(), bool) { return nil, false } // the token's slots are all taken
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	for _, path := range []string{"/api/v1/pods?watch=True", "/api/v1/pods?watch=yes", "/api/v1/pods?watch=",
		"/api/v1/namespaces/ns/pods/web/log?follow=1", "/api/v1/namespaces/ns/pods/web/log?follow=TRUE",
		// The deprecated /watch/ paths, which the API server still serves.
		"/api/v1/watch/pods", "/api/v1/watch/namespaces/ns/pods/web", "/apis/apps/v1/watch/namespaces/ns/deployments"} {
		if w := f.do(dev, http.MethodGet, path); w.Code != http.StatusTooManyRequests {
			t.Errorf("%s: %d; want 429 with no slot free", path, w.Code)
		}
	}
	for _, path := range []string{"/api/v1/pods?watch=false", "/api/v1/pods?watch=0", "/api/v1/pods?watch=FALSE",
		"/api/v1/namespaces/ns/pods/web/log?follow=False"} {
		if w := f.do(dev, http.MethodGet, path); w.Code != http.StatusOK {
			t.Errorf("%s: %d; not a stream", path, w.Code)
		}
	}
}

// The proxy's time limit bounds watches; an exec session handed to Streams
// carries no deadline from it, so a longer --exec-max-duration holds.
func TestProxyTimeLimitLeavesStreamsToTheirHandler(t *testing.T) {
	seen := make(chan bool, 1)
	f := newFixture(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{}") })
	f.h.MaxDuration = time.Hour
	f.h.Streams = func(w http.ResponseWriter, r *http.Request, _ Upstream) {
		_, has := r.Context().Deadline()
		seen <- has
		w.WriteHeader(http.StatusOK)
	}
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	f.do(dev, http.MethodGet, "/api/v1/namespaces/ns/pods/web-0/exec", "Upgrade", "websocket", "Connection", "Upgrade")
	if <-seen {
		t.Fatal("the proxy's MaxDuration put a deadline on an exec session")
	}
}

// A watch still ends at the proxy's MaxDuration.
func TestProxyTimeLimitEndsWatches(t *testing.T) {
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	f.h.MaxDuration = 200 * time.Millisecond
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	done := make(chan struct{})
	go func() { f.do(dev, http.MethodGet, "/api/v1/pods?watch=1"); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("a watch outlived the proxy's MaxDuration")
	}
}
