package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/namespace"
	"github.com/bcs-io/bcs/ent/pod"
	"github.com/bcs-io/bcs/internal/agent"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/internal/testenv/kube"
	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/internal/tunnel"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
)

// closedAddress is a loopback URL on which nothing listens: what an agent
// behind NAT reports, as seen from BCS.
func closedAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "https://" + addr
}

// dialTunnel opens the tunnel route as an agent would, with key as its
// credential, and answers the HTTP status of the handshake.
func dialTunnel(t *testing.T, env *testEnv, key string) int {
	t.Helper()
	url, err := tunnel.WebsocketURL(env.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if key != "" {
		h.Set("Authorization", "Bearer "+key)
	}
	ws, res, err := websocket.DefaultDialer.Dial(url, h)
	if err == nil {
		ws.Close()
		return http.StatusSwitchingProtocols
	}
	if res == nil {
		t.Fatalf("tunnel handshake: %v", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// TestAgentTunnel registers a cluster through `bcs agent` whose reported
// API server address BCS cannot reach (a closed loopback port), while the
// agent reaches the real API server: BCS probes it, watches it and changes
// it through the agent's tunnel. The tunnel route takes only agent keys; a
// replica without the tunnel fails at once; the agent reconnects after its
// socket drops; removing the cluster closes its tunnel for good.
func TestAgentTunnel(t *testing.T) {
	a, _ := kubeClusters(t)
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	p := env.createProject(t, "Behind NAT", "nat")
	var reg struct {
		Token   string
		Cluster struct{ ID string }
	}
	env.do(t, `mutation($p: ID!) { createRegisterToken(projectID: $p, clusterName: "edge") { token cluster { id } } }`,
		map[string]any{"p": p.ID}).field(t, "createRegisterToken", &reg)
	cid := reg.Cluster.ID

	// Outsiders, a user's API token and the one-time register token open
	// no tunnel.
	for name, key := range map[string]string{"no credential": "", "garbage": "not-a-key", "a user token": env.token, "the register token": reg.Token} {
		if code := dialTunnel(t, env, key); code != http.StatusUnauthorized {
			t.Fatalf("tunnel with %s: %d, want 401", name, code)
		}
	}

	unreachable := closedAddress(t)
	keys := &keyRecorder{}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(ctx, agent.Config{Server: env.srv.URL, Token: reg.Token, Interval: 500 * time.Millisecond,
			Rest: a.Config, Advertise: unreachable, Log: slog.New(slog.DiscardHandler), HTTP: &http.Client{Transport: keys}})
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	status := func() string {
		var c struct{ Status, Endpoint string }
		env.do(t, `query($id: ID!) { cluster(id: $id) { status endpoint } }`, map[string]any{"id": cid}).field(t, "cluster", &c)
		if c.Endpoint != "" && c.Endpoint != unreachable {
			t.Fatalf("endpoint %q, want the reported %q", c.Endpoint, unreachable)
		}
		return c.Status
	}
	eventually(t, "the cluster NORMAL through the tunnel", func() bool { return status() == "NORMAL" })
	if !env.server.tunnels.Connected(cid) {
		t.Fatal("NORMAL without a tunnel")
	}

	// Operations go through the tunnel.
	apply := `mutation($cid: ID!, $m: String!) { applyManifest(input: {clusterID: $cid, manifest: $m}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, apply, "applyManifest", map[string]any{"cid": cid, "m": deployment("tunnelled", "nginx:1.25", 1)}); op.Status != "SUCCEEDED" {
		t.Fatalf("apply through the tunnel: %+v", op)
	}
	t.Cleanup(func() {
		_ = a.Client.AppsV1().Deployments("default").Delete(context.Background(), "tunnelled", metav1.DeleteOptions{})
	})
	scale := `mutation($cid: ID!, $n: Int!) { scaleWorkload(input: {clusterID: $cid, namespace: "default", kind: "Deployment", name: "tunnelled", replicas: $n}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, scale, "scaleWorkload", map[string]any{"cid": cid, "n": 3}); op.Status != "SUCCEEDED" {
		t.Fatalf("scale through the tunnel: %+v", op)
	}
	eventually(t, "3 pods Running", func() bool { return runningPods(t, a.Client, "default", "tunnelled") == 3 })

	// Datawatch watches through the tunnel too.
	tunnelledPods := func() int {
		return env.db.Client.Pod.Query().Where(pod.ClusterID(ID(cid)), pod.NameHasPrefix("tunnelled-"), pod.NamespaceEQ("default")).CountX(system())
	}
	eventually(t, "datawatch syncing the 3 pods", func() bool { return tunnelledPods() == 3 })

	metrics := func() string {
		res, err := http.Get(env.srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if m := metrics(); !strings.Contains(m, "bcs_tunnels_connected 1") || !strings.Contains(m, `bcs_tunnel_bytes_total{direction="received"}`) {
		t.Fatalf("tunnel metrics missing:\n%s", grepLines(m, "bcs_tunnel"))
	}

	// A replica without the agent's tunnel fails at once with a typed
	// error (the address it was given does not answer), never hangs.
	other := orchestrators.NewRouter()
	other.Register(orchestrators.KindK8s, k8s.FactoryWith(nil))
	elsewhere := clusters.Connector{Router: other, Box: env.server.cfg.Secrets,
		Tunnels: tunnel.NewServer(tunnel.Options{Log: slog.New(slog.DiscardHandler)})}
	o, err := elsewhere.Open(context.Background(), env.db.Client.Cluster.GetX(system(), ID(cid)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := o.Probe(context.Background()); !errors.Is(err, orchestrators.ErrNoTunnel) && !strings.Contains(err.Error(), orchestrators.ErrNoTunnel.Error()) {
		t.Fatalf("probe on a replica without the tunnel: %v, want ErrNoTunnel", err)
	}
	if d := time.Since(start); d > 2*k8s.DialTimeout {
		t.Fatalf("probe on a replica without the tunnel took %s", d)
	}
	_ = other.Close()

	// The socket drops (a restart, a proxy cutting it): the agent comes
	// back and operations work again.
	env.server.tunnels.Drop(cid)
	eventually(t, "the tunnel back", func() bool { return env.server.tunnels.Connected(cid) })
	if op := env.mutateOp(t, scale, "scaleWorkload", map[string]any{"cid": cid, "n": 1}); op.Status != "SUCCEEDED" {
		t.Fatalf("scale after the agent reconnected: %+v", op)
	}
	eventually(t, "datawatch following the scale-down", func() bool {
		return tunnelledPods() == 1 && runningPods(t, a.Client, "default", "tunnelled") == 1
	})

	// Removing the cluster closes its tunnel at once and for good: the
	// agent's key no longer opens one.
	key := keys.get()
	if key == "" {
		t.Fatal("the agent was handed no key")
	}
	if code := dialTunnel(t, env, key); code != http.StatusSwitchingProtocols {
		t.Fatalf("tunnel with the agent's key: %d, want 101", code)
	}
	env.do(t, `mutation($id: ID!) { removeCluster(id: $id) { status } }`, map[string]any{"id": cid})
	if env.server.tunnels.Connected(cid) {
		t.Fatal("the removed cluster's tunnel is still connected")
	}
	if code := dialTunnel(t, env, key); code != http.StatusUnauthorized {
		t.Fatalf("tunnel with a removed cluster's key: %d, want 401", code)
	}
}

// keyRecorder is the agent's HTTP transport in the test: it notes the
// agent key BCS hands back (stored hashed, the test cannot read it).
type keyRecorder struct {
	mu  sync.Mutex
	key string
}

func (k *keyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || res.StatusCode != http.StatusOK {
		return res, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	var ack clusters.Ack
	if json.Unmarshal(b, &ack) == nil && ack.AgentKey != "" {
		k.mu.Lock()
		k.key = ack.AgentKey
		k.mu.Unlock()
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res, nil
}

func (k *keyRecorder) get() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.key
}

func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// agentOnReplica registers a cluster through replica a and runs its agent
// against a, reporting an address BCS cannot reach; it answers the
// cluster's id once it is NORMAL.
func agentOnReplica(t *testing.T, a *testEnv, kc *kube.Cluster) string {
	t.Helper()
	p := a.createProject(t, "Behind NAT", "nat")
	var reg struct {
		Token   string
		Cluster struct{ ID string }
	}
	a.do(t, `mutation($p: ID!) { createRegisterToken(projectID: $p, clusterName: "edge") { token cluster { id } } }`,
		map[string]any{"p": p.ID}).field(t, "createRegisterToken", &reg)
	cid := reg.Cluster.ID
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(ctx, agent.Config{Server: a.srv.URL, Token: reg.Token, Interval: 500 * time.Millisecond,
			Rest: kc.Config, Advertise: closedAddress(t), Log: slog.New(slog.DiscardHandler), HTTP: a.srv.Client()})
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	eventually(t, "the tunnel on replica a", func() bool { return a.server.tunnels.Connected(cid) })
	eventually(t, "the cluster NORMAL", func() bool {
		var c struct{ Status string }
		a.do(t, `query($id: ID!) { cluster(id: $id) { status } }`, map[string]any{"id": cid}).field(t, "cluster", &c)
		return c.Status == "NORMAL"
	})
	return cid
}

const applyNamespaceOp = `mutation($cid: ID!, $n: String!) { applyNamespace(input: {clusterID: $cid, name: $n}) { ` + opFields + ` } }`

// TestAgentTunnelOnOneReplica runs two replicas on one database, without
// ZooKeeper (so without a list of replicas to peer with), with the agent's
// tunnel on replica a only: an operation started on replica b fails at
// once with the typed no-tunnel error (never a hang), one started on a
// succeeds, and datawatch ends up on the replica that has the tunnel
// whichever took the cluster's lease first.
func TestAgentTunnelOnOneReplica(t *testing.T) {
	kc, _ := kubeClusters(t)
	url, err := pg.CreateDatabase(context.Background(), "tunnel_replicas")
	if err != nil {
		t.Fatal(err)
	}
	a := newEnvWith(t, url, func(c *Config) { c.Replica = "a" })
	b := newEnvWith(t, url, func(c *Config) { c.Replica = "b" })
	cid := agentOnReplica(t, a, kc)
	if b.server.tunnels.Connected(cid) {
		t.Fatal("replica b has a tunnel it was never given")
	}
	start := time.Now()
	op := b.mutateOp(t, applyNamespaceOp, "applyNamespace", map[string]any{"cid": cid, "n": "via-b"})
	if op.Status != "FAILED" || !strings.Contains(op.Message, orchestrators.ErrNoTunnel.Error()) {
		t.Fatalf("operation on the replica without the tunnel: %+v", op)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("operation on the replica without the tunnel took %s", d)
	}
	if op := a.mutateOp(t, applyNamespaceOp, "applyNamespace", map[string]any{"cid": cid, "n": "via-a"}); op.Status != "SUCCEEDED" {
		t.Fatalf("operation on the replica with the tunnel: %+v", op)
	}
	t.Cleanup(func() {
		_ = kc.Client.CoreV1().Namespaces().Delete(context.Background(), "via-a", metav1.DeleteOptions{})
	})
	eventually(t, "datawatch (on whichever replica) syncing the new namespace", func() bool {
		return a.db.Client.Namespace.Query().Where(namespace.ClusterID(ID(cid)), namespace.Name("via-a")).ExistX(system())
	})
}

// TestAgentTunnelThroughPeers: replicas that meet in ZooKeeper are each
// other's tunnel peers, so replica b reaches the cluster through the
// tunnel its agent keeps to replica a, and an operation started on b
// succeeds; a forged peer connection is refused.
func TestAgentTunnelThroughPeers(t *testing.T) {
	kc, _ := kubeClusters(t)
	zk := zookeeper.StartT(t)
	url, err := pg.CreateDatabase(context.Background(), "tunnel_peers")
	if err != nil {
		t.Fatal(err)
	}
	a := newEnvWith(t, url, func(c *Config) { c.Replica, c.ZooKeeper = "a", []string{zk.Addr()} })
	b := newEnvWith(t, url, func(c *Config) { c.Replica, c.ZooKeeper = "b", []string{zk.Addr()} })
	cid := agentOnReplica(t, a, kc)
	eventually(t, "replica b reaching the tunnel through replica a", func() bool { return b.server.tunnels.Connected(cid) })
	if op := b.mutateOp(t, applyNamespaceOp, "applyNamespace", map[string]any{"cid": cid, "n": "via-peer"}); op.Status != "SUCCEEDED" {
		t.Fatalf("operation on replica b through a's tunnel: %+v", op)
	}
	t.Cleanup(func() {
		_ = kc.Client.CoreV1().Namespaces().Delete(context.Background(), "via-peer", metav1.DeleteOptions{})
	})
	if _, err := kc.Client.CoreV1().Namespaces().Get(context.Background(), "via-peer", metav1.GetOptions{}); err != nil {
		t.Fatalf("the namespace is not in the cluster: %v", err)
	}

	// Another replica's name with a wrong token, or a right name alone,
	// opens nothing.
	wsURL, _ := tunnel.WebsocketURL(a.srv.URL)
	for name, h := range map[string]http.Header{
		"wrong token": {"X-API-Tunnel-ID": {"b"}, "X-API-Tunnel-Token": {"guess"}},
		"no token":    {"X-API-Tunnel-ID": {"b"}},
		"user token":  {"X-API-Tunnel-ID": {"b"}, "X-API-Tunnel-Token": {a.token}},
	} {
		ws, res, err := websocket.DefaultDialer.Dial(wsURL, h)
		if err == nil {
			ws.Close()
			t.Fatalf("forged peer (%s) connected", name)
		}
		if res == nil || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged peer (%s): %v %v", name, res, err)
		}
		res.Body.Close()
	}
}

// TestAgentTunnelSurvivesRestart stops BCS and starts a new server on the
// same database behind the same address (a switchable front proxy, as a
// load balancer would be): the agent's tunnel comes back to the new
// server, which reaches the cluster through it.
func TestAgentTunnelSurvivesRestart(t *testing.T) {
	kc, _ := kubeClusters(t)
	url, err := pg.CreateDatabase(context.Background(), "tunnel_restart")
	if err != nil {
		t.Fatal(err)
	}
	first := newEnvWith(t, url, func(c *Config) { c.Replica = "first" })
	var backend atomic.Pointer[httputil.ReverseProxy]
	point := func(env *testEnv) {
		u, _ := neturl.Parse(env.srv.URL)
		backend.Store(httputil.NewSingleHostReverseProxy(u))
	}
	point(first)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { backend.Load().ServeHTTP(w, r) }))
	t.Cleanup(front.Close)
	behind := *first
	behind.srv = &httptest.Server{URL: front.URL} // the agent knows BCS by the front's address
	cid := agentOnReplica(t, &behind, kc)

	first.srv.CloseClientConnections()
	first.server.Close()
	first.srv.Close()
	if first.server.tunnels.Connected(cid) {
		t.Fatal("a stopped server kept its tunnel")
	}
	second := newEnvWith(t, url, func(c *Config) { c.Replica = "second" })
	point(second)
	eventually(t, "the agent's tunnel on the new server", func() bool { return second.server.tunnels.Connected(cid) })
	if op := second.mutateOp(t, applyNamespaceOp, "applyNamespace", map[string]any{"cid": cid, "n": "after-restart"}); op.Status != "SUCCEEDED" {
		t.Fatalf("operation after the restart: %+v", op)
	}
	t.Cleanup(func() {
		_ = kc.Client.CoreV1().Namespaces().Delete(context.Background(), "after-restart", metav1.DeleteOptions{})
	})
}
