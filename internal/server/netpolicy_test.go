package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/clusternode"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/testenv/kube"
	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

// insideService is something on the server's own loopback that an outsider
// must not reach through BCS: it counts every request and answers with a
// body that must never come back in an error.
type insideService struct {
	*httptest.Server
	hits atomic.Int64
}

const insideSecret = "inside-secret-body"

func startInside(t *testing.T) *insideService {
	t.Helper()
	s := &insideService{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(insideSecret))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *insideService) port() string {
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	return port
}

// withServer is a kubeconfig of the control plane whose server address is
// replaced (the credentials stay real).
func withServer(c *kube.Cluster, server string) string {
	return strings.Replace(string(c.Kubeconfig), c.Host, server, 1)
}

// nonAdmin makes a user who is not a platform admin and answers their view
// of the server.
func (e *testEnv) nonAdmin(t *testing.T, name string) *testEnv {
	t.Helper()
	tok, err := auth.Bootstrap(system(), e.db.Client, name, false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	return e.as(tok)
}

const registerK8s = `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id status } }`

// Every address outside the policy, however it is spelled or reached, is
// refused with one and the same message, nothing is connected to, nothing
// echoed and nothing stored; the same user inside the policy, and an admin
// anywhere, register as before.
func TestNonAdminsCannotRegisterClustersOutsideTheNetworks(t *testing.T) {
	a, _ := kubeClusters(t)
	inside := startInside(t)
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ClusterNetworks = nil }) // the default policy
	mallory := env.nonAdmin(t, "mallory")
	p := mallory.createProject(t, "Mallory", "mallory")
	_, apiPort, _ := net.SplitHostPort(strings.TrimPrefix(a.Host, "https://"))

	targets := map[string]string{
		"loopback ssh":              withServer(a, "http://127.0.0.1:22"),
		"closed loopback port":      withServer(a, "http://127.0.0.1:1"),
		"loopback service":          withServer(a, "http://127.0.0.1:"+inside.port()),
		"localhost":                 withServer(a, "http://localhost:"+inside.port()),
		"IPv4-mapped IPv6 loopback": withServer(a, "http://[::ffff:127.0.0.1]:"+inside.port()),
		"IPv6 loopback":             withServer(a, "https://[::1]:"+apiPort),
		"unspecified address":       withServer(a, "http://0.0.0.0:"+inside.port()),
		"cloud metadata":            withServer(a, "http://169.254.169.254"),
		"link-local":                withServer(a, "http://169.254.10.10:80"),
		"the real control plane":    string(a.Kubeconfig),
	}
	var first string
	for name, kc := range targets {
		res := mallory.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "xx", "kubeconfig": kc}})
		if res.code() != "BAD_USER_INPUT" || len(res.Errors) == 0 {
			t.Errorf("%s: %s", name, res.raw)
			continue
		}
		msg := res.Errors[0].Message
		if !strings.Contains(msg, netpolicy.UnreachableKubernetes) {
			t.Errorf("%s: not the generic message: %s", name, msg)
		}
		if first == "" {
			first = msg
		} else if msg != first {
			t.Errorf("%s: message %q differs from %q: it tells addresses apart", name, msg, first)
		}
		for _, leak := range []string{insideSecret, "refused", "timeout", "deadline", "127.0.0.1", "169.254", "x509", "EOF"} {
			if strings.Contains(res.raw, leak) {
				t.Errorf("%s: the answer mentions %q: %s", name, leak, res.raw)
			}
		}
	}
	if n := inside.hits.Load(); n != 0 {
		t.Errorf("the loopback service was reached %d times", n)
	}
	if n := env.db.Client.Cluster.Query().CountX(system()); n != 0 {
		t.Errorf("refused registrations stored %d clusters", n)
	}
	// A mistake in the kubeconfig itself is still told as it is.
	if res := mallory.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "xx", "kubeconfig": "not a kubeconfig"}}); res.code() != "BAD_USER_INPUT" || strings.Contains(res.raw, netpolicy.UnreachableKubernetes) {
		t.Errorf("malformed kubeconfig: %s", res.raw)
	}

	// Admins are not limited: the README's local control plane registers.
	var c struct{ ID, Status string }
	adminProject := env.createProject(t, "Ops", "ops")
	env.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": adminProject.ID, "name": "local", "kubeconfig": string(a.Kubeconfig)}}).field(t, "registerCluster", &c)
	if c.Status != "NORMAL" || env.db.Client.Cluster.GetX(system(), ID(c.ID)).Restricted {
		t.Fatalf("admin registration: %+v", c)
	}

	// With the loopback network allowed the same user registers, and the
	// cluster stays held to the policy.
	lo, _ := netpolicy.Parse([]string{"127.0.0.0/8"})
	open := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ClusterNetworks = lo })
	mallory2 := open.nonAdmin(t, "mallory")
	p2 := mallory2.createProject(t, "Mallory", "mallory")
	mallory2.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": p2.ID, "name": "ok", "kubeconfig": string(a.Kubeconfig)}}).field(t, "registerCluster", &c)
	if c.Status != "NORMAL" || !open.db.Client.Cluster.GetX(system(), ID(c.ID)).Restricted {
		t.Fatalf("registration inside --cluster-networks: %+v", c)
	}
}

// A redirect from an address inside the networks to one outside is
// refused like a direct dial.
func TestNonAdminRegistrationDoesNotFollowRedirectsOutside(t *testing.T) {
	a, _ := kubeClusters(t)
	inside := startInside(t)
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	outside := httptest.NewUnstartedServer(http.RedirectHandler(inside.URL+"/version", http.StatusFound))
	outside.Listener.Close()
	outside.Listener = ln
	outside.Start()
	defer outside.Close()

	only, _ := netpolicy.Parse([]string{"127.0.0.2/32"})
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ClusterNetworks = only })
	mallory := env.nonAdmin(t, "mallory")
	p := mallory.createProject(t, "Mallory", "mallory")
	res := mallory.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "xx", "kubeconfig": withServer(a, outside.URL)}})
	if res.code() != "BAD_USER_INPUT" || !strings.Contains(res.raw, netpolicy.UnreachableKubernetes) || strings.Contains(res.raw, insideSecret) {
		t.Fatalf("redirect to loopback: %s", res.raw)
	}
	if n := inside.hits.Load(); n != 0 {
		t.Fatalf("the redirect reached the loopback service %d times", n)
	}
}

// The policy follows the cluster, not the request: a non-admin's cluster
// whose address comes to point inside (here: seeded at loopback, as a DNS
// change would make it) is not dialled by the health monitor or by
// operations, and its status tells nothing; an admin's cluster at the same
// address is healthy.
func TestRestrictedClustersStayRestricted(t *testing.T) {
	a, _ := kubeClusters(t)
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ClusterNetworks = nil })
	p := env.createProject(t, "Mixed", "mixed")
	seed := func(name string, restricted bool) gid.ID {
		id := gid.New("cls")
		sealed, err := env.server.cfg.Secrets.Seal(string(id), a.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		env.db.Client.Cluster.Create().SetID(id).SetProjectID(ID(p.ID)).SetName(name).SetKind(cluster.KindK8S).
			SetStatus(cluster.StatusNORMAL).SetCredentials(sealed).SetRestricted(restricted).SaveX(system())
		return id
	}
	tenant, admin := seed("tenant", true), seed("admin", false)
	status := func(id gid.ID) (string, string) {
		var c struct{ Status, StatusMessage string }
		env.do(t, `query($id: ID!) { cluster(id: $id) { status statusMessage } }`, map[string]any{"id": id}).field(t, "cluster", &c)
		return c.Status, c.StatusMessage
	}
	eventually(t, "the restricted cluster UNREACHABLE", func() bool { s, _ := status(tenant); return s == "UNREACHABLE" })
	if _, msg := status(tenant); !strings.Contains(msg, netpolicy.UnreachableKubernetes) || strings.Contains(msg, "127.0.0.1") {
		t.Errorf("status message of the restricted cluster: %q", msg)
	}
	if s, msg := status(admin); s != "NORMAL" {
		t.Errorf("the admin's cluster is %s (%s)", s, msg)
	}
	// Datawatch: the admin's cluster is observed, the restricted one is not.
	nodes := func(id gid.ID) int {
		return env.db.Client.ClusterNode.Query().Where(clusternode.ClusterID(id)).CountX(system())
	}
	eventually(t, "datawatch to observe the admin's cluster", func() bool { return nodes(admin) > 0 })
	if n := nodes(tenant); n != 0 {
		t.Errorf("datawatch observed %d nodes of the restricted cluster", n)
	}
	ns := `mutation($cid: ID!) { applyNamespace(input: {clusterID: $cid, name: "probe"}) { ` + opFields + ` } }`
	op := env.mutateOp(t, ns, "applyNamespace", map[string]any{"cid": tenant})
	if op.Status != "FAILED" || op.Message != netpolicy.UnreachableKubernetes {
		t.Errorf("operation on the restricted cluster: %+v", op)
	}
	if _, err := a.Client.CoreV1().Namespaces().Get(context.Background(), "probe", metav1.GetOptions{}); err == nil {
		t.Error("the restricted cluster's operation reached the control plane")
	}
	if op := env.mutateOp(t, ns, "applyNamespace", map[string]any{"cid": admin}); op.Status != "SUCCEEDED" {
		t.Errorf("operation on the admin's cluster: %+v", op)
	}
}

// Agents report the API server's address; a non-admin's register token
// binds a cluster held to the policy, so a report of a loopback address is
// not dialled and its status says nothing more than the generic message.
func TestAgentReportsFollowTheRegistrantsPolicy(t *testing.T) {
	a, _ := kubeClusters(t)
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ClusterNetworks = nil })
	mallory := env.nonAdmin(t, "mallory")
	mp := mallory.createProject(t, "Mallory", "mallory")
	ap := env.createProject(t, "Ops", "ops")
	register := func(e *testEnv, project string) (string, string) {
		var reg struct {
			Token   string
			Cluster struct{ ID string }
		}
		e.do(t, `mutation($p: ID!) { createRegisterToken(projectID: $p, clusterName: "edge") { token cluster { id } } }`,
			map[string]any{"p": project}).field(t, "createRegisterToken", &reg)
		return reg.Token, reg.Cluster.ID
	}
	report := func(token string) int {
		body, _ := json.Marshal(map[string]string{"token": token, "apiServer": a.Host,
			"caData": base64.StdEncoding.EncodeToString(a.CAPEM), "serviceAccountToken": a.Token})
		res, err := http.Post(env.srv.URL+"/agent/v1/report", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	mt, mid := register(mallory, mp.ID)
	at, aid := register(env, ap.ID)
	if code := report(mt); code != http.StatusOK {
		t.Fatalf("restricted agent report: %d", code)
	}
	if code := report(at); code != http.StatusOK {
		t.Fatalf("admin agent report: %d", code)
	}
	mc, ac := env.db.Client.Cluster.GetX(system(), ID(mid)), env.db.Client.Cluster.GetX(system(), ID(aid))
	if mc.Status == cluster.StatusNORMAL || len(mc.Credentials) > 0 || !strings.Contains(mc.StatusMessage, netpolicy.UnreachableKubernetes) ||
		strings.Contains(mc.StatusMessage, "127.0.0.1") {
		t.Errorf("a non-admin's agent reporting loopback: %s %q (credentials stored: %v)", mc.Status, mc.StatusMessage, len(mc.Credentials) > 0)
	}
	if ac.Status != cluster.StatusNORMAL {
		t.Errorf("an admin's agent reporting loopback: %s %q", ac.Status, ac.StatusMessage)
	}

	// Inside --cluster-networks the non-admin's agent registers.
	lo, _ := netpolicy.Parse([]string{"127.0.0.0/8"})
	env = newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ClusterNetworks = lo })
	mallory = env.nonAdmin(t, "mallory")
	mt, mid = register(mallory, mallory.createProject(t, "Mallory", "mallory").ID)
	if code := report(mt); code != http.StatusOK {
		t.Fatalf("restricted agent report inside the networks: %d", code)
	}
	if mc := env.db.Client.Cluster.GetX(system(), ID(mid)); mc.Status != cluster.StatusNORMAL || !mc.Restricted {
		t.Errorf("a non-admin's agent inside the networks: %s %q restricted=%v", mc.Status, mc.StatusMessage, mc.Restricted)
	}
}

// Mesos masters (URLs and zk:// detection) are held to the same policy.
func TestNonAdminMesosMastersFollowThePolicy(t *testing.T) {
	zk := zookeeper.StartT(t)
	ports, _ := sim.ParsePorts("31000-31100")
	srv, err := sim.Start(context.Background(), sim.Config{Listen: "127.0.0.1:0", Agents: 1,
		Agent: sim.AgentSpec{CPUs: 2, MemMB: 1024, Ports: ports}, AllocationInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	inside := startInside(t)
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.ZooKeeper = []string{zk.Addr()}
		c.ClusterNetworks = nil
	})
	mallory := env.nonAdmin(t, "mallory")
	p := mallory.createProject(t, "Mallory", "mallory")
	register := `mutation($in: RegisterMesosClusterInput!) { registerMesosCluster(input: $in) { id status endpoint } }`
	for name, masters := range map[string]string{
		"loopback service":  inside.URL,
		"the simulator":     srv.URL(),
		"localhost":         "http://localhost:" + inside.port(),
		"cloud metadata":    "http://169.254.169.254",
		"BCS's ZooKeeper":   "zk://" + zk.Addr() + "/mesos",
		"loopback zk names": "zk://localhost:" + strings.Split(zk.Addr(), ":")[1] + "/mesos",
	} {
		res := mallory.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "mm", "masters": masters}})
		if res.code() != "BAD_USER_INPUT" || !strings.Contains(res.raw, netpolicy.UnreachableMesos) || strings.Contains(res.raw, insideSecret) {
			t.Errorf("%s: %s", name, res.raw)
		}
	}
	if n := inside.hits.Load(); n != 0 {
		t.Errorf("the loopback service was reached %d times", n)
	}
	if n := env.db.Client.Cluster.Query().CountX(system()); n != 0 {
		t.Errorf("refused registrations stored %d clusters", n)
	}
	// Inside --cluster-networks the same user registers the simulator.
	lo, _ := netpolicy.Parse([]string{"127.0.0.0/8"})
	open := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.ZooKeeper = []string{zk.Addr()}
		c.ClusterNetworks = lo
	})
	mallory2 := open.nonAdmin(t, "mallory")
	p2 := mallory2.createProject(t, "Mallory", "mallory")
	var mine struct{ ID, Status string }
	mallory2.do(t, register, map[string]any{"in": map[string]any{"projectID": p2.ID, "name": "mine", "masters": srv.URL()}}).field(t, "registerMesosCluster", &mine)
	if mine.Status != "NORMAL" || !open.db.Client.Cluster.GetX(system(), ID(mine.ID)).Restricted {
		t.Fatalf("registration inside --cluster-networks: %+v", mine)
	}
	open.do(t, `mutation($id: ID!) { removeCluster(id: $id, forgetData: true) { status } }`, map[string]any{"id": mine.ID})

	// An admin registers the simulator; credentials in the URL stay sealed.
	withUser := strings.Replace(srv.URL(), "http://", "http://ops:s3cret@", 1)
	var c struct{ ID, Status, Endpoint string }
	ap := env.createProject(t, "Ops", "ops")
	env.do(t, register, map[string]any{"in": map[string]any{"projectID": ap.ID, "name": "sim", "masters": withUser}}).field(t, "registerMesosCluster", &c)
	if c.Status != "NORMAL" || strings.Contains(c.Endpoint, "s3cret") || strings.Contains(c.Endpoint, "ops@") || c.Endpoint != srv.URL() {
		t.Fatalf("admin registration: %+v", c)
	}
}
