package streams_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/kubeproxy/streams"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/testenv/kube"
)

// One control plane serves the package: its pod "shell" answers exec by
// running commands here and logs from podLog.
var plane struct {
	once    sync.Once
	err     error
	dir     string
	cluster *kube.Cluster
	podLog  string
	echo    net.Listener // what port-forwarding to the pod's port 8080 reaches
}

func TestMain(m *testing.M) {
	code := m.Run()
	if plane.cluster != nil {
		_ = plane.cluster.Stop()
	}
	if plane.echo != nil {
		_ = plane.echo.Close()
	}
	if plane.dir != "" {
		_ = os.RemoveAll(plane.dir)
	}
	os.Exit(code)
}

func cluster(t testing.TB) *kube.Cluster {
	t.Helper()
	plane.once.Do(func() {
		plane.dir, plane.err = os.MkdirTemp("", "bcs-streams-")
		if plane.err != nil {
			return
		}
		plane.podLog = filepath.Join(plane.dir, "pod.log")
		if plane.err = os.WriteFile(plane.podLog, []byte(logLine(0)), 0o600); plane.err != nil {
			return
		}
		var conf, forward string
		if conf, plane.err = kube.WriteStreamsConfig(plane.dir, plane.podLog); plane.err != nil {
			return
		}
		if plane.echo, plane.err = net.Listen("tcp", "127.0.0.1:0"); plane.err != nil {
			return
		}
		go echo(plane.echo)
		if forward, plane.err = kube.WritePortForwardConfig(plane.dir, 8080, plane.echo.Addr().String()); plane.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), kube.StartTimeout)
		defer cancel()
		plane.cluster, plane.err = kube.Start(ctx, filepath.Join(plane.dir, "kube"),
			kube.Options{Nodes: 1, Kubelet: true, KwokConfigs: []string{conf, forward}, Logger: slog.New(slog.DiscardHandler)})
		if plane.err != nil {
			return
		}
		kube.RunPodT(ctx, t, plane.cluster, "default", "shell")
	})
	if plane.err != nil {
		t.Fatal(plane.err)
	}
	return plane.cluster
}

// echo answers every connection with what it sends.
func echo(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

// logLine is one CRI-format log line as kwok serves them.
func logLine(i int) string {
	return fmt.Sprintf("2026-01-01T00:00:00Z stdout F line %d\n", i)
}

// rig is BCS's side: a database with a project, and an httptest server
// standing in for the proxy, which resolves /clusters/c1/k8s/… to the
// control plane and hands pod streams to the handler under test.
type rig struct {
	db      *ent.Client
	project string
	handler *streams.Handler
	srv     *httptest.Server
	up      streams.Upstream

	mu     sync.Mutex
	revoke context.CancelCauseFunc // the latest stream's, as kubeproxy's Auth.Watch holds it
}

// revokeLatest ends the latest stream's request context the way the proxy
// does when its viewer ends.
func (r *rig) revokeLatest(cause error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoke(cause)
}

func newRig(t testing.TB, opts streams.Options) *rig {
	t.Helper()
	c := cluster(t)
	ctx := auth.System(context.Background())
	db, err := storage.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	p := db.Client.Project.Create().SetName("streams").SetCode("streams").SaveX(ctx)
	r := &rig{db: db.Client, project: string(p.ID)}
	r.up = upstreamAs(t, c, "bcs:alice", "system:masters")
	r.up.ProjectID, r.up.ClusterID = r.project, "cls_test"
	if opts.Store == nil {
		opts.Store = &streams.EntStore{Client: db.Client}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	r.handler = streams.New(opts)
	r.srv = httptest.NewServer(r.proxy())
	t.Cleanup(r.srv.Close)
	return r
}

// upstreamAs is the control plane as BCS reaches it: the admin credential
// impersonating user (and groups).
func upstreamAs(t testing.TB, c *kube.Cluster, user string, groups ...string) streams.Upstream {
	t.Helper()
	return upstreamWith(t, c, nil, user, groups...)
}

// upstreamWith builds the upstream with TLS ALPN protocols alpn (nil:
// client-go's default, HTTP/2 first).
func upstreamWith(t testing.TB, c *kube.Cluster, alpn []string, user string, groups ...string) streams.Upstream {
	t.Helper()
	cfg := rest.CopyConfig(c.Config)
	cfg.NextProtos = alpn
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.Host)
	if err != nil {
		t.Fatal(err)
	}
	return streams.Upstream{URL: u, Transport: rt, User: strings.TrimPrefix(user, "bcs:")}
}

const prefix = "/clusters/c1/k8s"

// proxy plays internal/kubeproxy's part: streams to the handler, anything
// else (logs -f) through a plain flushing reverse proxy.
func (r *rig) proxy() http.Handler {
	plain := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(r.up.URL)
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, prefix)
			pr.Out.Header.Del("Authorization")
		},
		Transport:     r.up.Transport,
		FlushInterval: -1,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := req.URL.Path
		if strings.HasSuffix(p, "/exec") || strings.HasSuffix(p, "/attach") || strings.HasSuffix(p, "/portforward") {
			ctx, cancel := context.WithCancelCause(req.Context())
			defer cancel(nil)
			r.mu.Lock()
			r.revoke = cancel
			r.mu.Unlock()
			r.handler.ServeStream(w, req.WithContext(ctx), r.up)
			return
		}
		plain.ServeHTTP(w, req)
	})
}

// execURL names pods/exec of the shell pod through the rig's proxy.
func (r *rig) execURL(stdin bool, command ...string) string {
	q := url.Values{"container": {"main"}, "stdout": {"true"}, "stderr": {"true"}, "command": command}
	if stdin {
		q.Set("stdin", "true")
	}
	return r.srv.URL + prefix + "/api/v1/namespaces/default/pods/shell/exec?" + q.Encode()
}

// clientConfig is kubectl's view: BCS's URL and a BCS token.
func (r *rig) clientConfig() *rest.Config {
	return &rest.Config{Host: r.srv.URL, BearerToken: "bcs_user_token_never_forwarded"}
}

// exec runs a command through the proxy over websockets, as kubectl ≥ 1.30.
func (r *rig) exec(ctx context.Context, t testing.TB, opts remotecommand.StreamOptions, command ...string) error {
	t.Helper()
	ex, err := remotecommand.NewWebSocketExecutor(r.clientConfig(), "GET", r.execURL(opts.Stdin != nil, command...))
	if err != nil {
		t.Fatal(err)
	}
	return ex.StreamWithContext(ctx, opts)
}

// sessions lists the stored sessions, oldest first.
func (r *rig) sessions(t testing.TB) []*ent.ExecSession {
	t.Helper()
	return r.db.ExecSession.Query().Order(ent.Asc("started_at")).AllX(auth.System(context.Background()))
}

// waitEnded polls until n sessions have ended (Finish runs after the
// client already saw the end).
func (r *rig) waitEnded(t testing.TB, n int) []*ent.ExecSession {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		all := r.sessions(t)
		ended := 0
		for _, s := range all {
			if s.EndedAt != nil {
				ended++
			}
		}
		if ended >= n {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sessions ended", ended, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
