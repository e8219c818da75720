package scheduler

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// TestFailoverMidDeployment ends the leader's ZooKeeper session in the
// middle of a rolling update. The standby must take over with the same
// framework, finish the update, keep every task the old leader had
// running, and never run two tasks for one instance.
func TestFailoverMidDeployment(t *testing.T) {
	zks := zookeeper.StartT(t)
	cfg := simConfig(20)
	cfg.TaskRunDelay = 150 * time.Millisecond // slow enough to catch the roll midway
	srv := startSim(t, cfg)
	a := startService(t, schedConfig(zks, srv.URL(), "a"))
	leader := waitLeader(t, a)
	b := startService(t, schedConfig(zks, srv.URL(), "b"))

	instances, err := b.Instances()
	if err != nil || len(instances) != 2 {
		t.Fatalf("discovery: %+v %v", instances, err)
	}
	if li, err := b.LeaderInstance(); err != nil || li.ID != "a" {
		t.Fatalf("leader instance: %+v %v", li, err)
	}
	if _, err := b.ListApps(ctx(t), ""); err != ErrNotLeader {
		t.Fatalf("standby answered: %v", err)
	}

	events, stop := b.Events()
	defer stop()

	app := basicApp("api", 30)
	st, err := leader.CreateApp(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	waitSettled(t, srv, leader, ref, 30, 1)

	app.Cmd = "sleep 7200"
	app.UpgradeStrategy = spec.UpgradeStrategy{MaxSurge: spec.Int(2), MaxUnavailable: spec.Int(0)}
	if _, err := leader.UpdateApp(ctx(t), app); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the roll midway", func() bool {
		v := viewOf(masterTasks(t, srv), ref)
		return v.versions["2"] >= 6 && v.versions["2"] <= 20
	})
	before := viewOf(masterTasks(t, srv), ref)

	if err := zks.ExpireSession(ctx(t), leader.SessionID()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the standby to lead", b.IsLeader)
	eventually(t, "the old leader to step down", func() bool { return !a.IsLeader() })

	waitSettled(t, srv, b, ref, 30, 2)
	after := viewOf(masterTasks(t, srv), ref)
	// Tasks of the new version that ran before the failover still run:
	// the new leader reconciled instead of relaunching.
	kept := 0
	for id, version := range before.ids {
		if version != "2" {
			continue
		}
		if after.ids[id] != "2" {
			t.Errorf("task %s of the new version was replaced after the failover", id)
		}
		kept++
	}
	if kept < 6 {
		t.Fatalf("only %d new tasks before the failover", kept)
	}
	if fws := srv.Summary().Frameworks; len(fws) != 1 {
		t.Fatalf("frameworks at the master: %v (a new one was registered)", fws)
	}
	// The new leader's events: a RESYNC, then no duplicate kills.
	sawResync := false
	for {
		select {
		case ev := <-events:
			if ev.Type == EventResync {
				sawResync = true
			}
			if ev.Task != nil && ev.Task.Killing == "duplicate" {
				t.Errorf("two tasks for one instance: %+v", ev.Task)
			}
			continue
		default:
		}
		break
	}
	if !sawResync {
		t.Error("no RESYNC event from the new leader")
	}
}

// TestForwarding: a standby serves the API by forwarding to the leader,
// errors included; after a failover the roles swap.
func TestForwarding(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, simConfig(4))
	start := func(id string) *Service {
		var svc atomic.Pointer[Service]
		hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s := svc.Load(); s != nil && strings.HasPrefix(r.URL.Path, s.RPCPath()+"/") {
				s.Handler().ServeHTTP(w, r)
				return
			}
			http.NotFound(w, r)
		}))
		hs.Start()
		t.Cleanup(hs.Close)
		addr := hs.Listener.Addr().(*net.TCPAddr)
		cfg := schedConfig(zks, srv.URL(), id)
		cfg.Instance.Port = addr.Port
		cfg.Instance.RPCKey = []byte("secret")
		s := startService(t, cfg)
		svc.Store(s)
		return s
	}
	a := start("a")
	waitLeader(t, a)
	b := start("b")

	st, err := b.CreateApp(ctx(t), basicApp("fwd", 3))
	if err != nil {
		t.Fatalf("create through the standby: %v", err)
	}
	waitSettled(t, srv, b, st.Ref, 3, 1)
	if _, err := b.CreateApp(ctx(t), basicApp("fwd", 3)); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate through the standby: %v", err)
	}
	bad := basicApp("Bad", 1)
	var ve *spec.ValidationError
	if _, err := b.CreateApp(ctx(t), bad); !errors.As(err, &ve) || ve.Errors[0].Field != "name" {
		t.Fatalf("validation through the standby: %v", err)
	}
	if _, err := b.ScaleApp(ctx(t), spec.Ref{Namespace: "x", Name: "y"}, 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("not found through the standby: %v", err)
	}
	tasks, err := b.ListTasks(ctx(t), &st.Ref)
	if err != nil || len(tasks) != 3 {
		t.Fatalf("tasks through the standby: %d %v", len(tasks), err)
	}

	// A wrong token is refused.
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:"+fmt.Sprint(a.cfg.Instance.Port)+a.RPCPath()+"/listApps", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong token: %v %v", resp, err)
	}

	if err := zks.ExpireSession(ctx(t), a.SessionID()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b to lead", b.IsLeader)
	eventually(t, "a to forward to b", func() bool {
		_, err := a.ScaleApp(ctx(t), st.Ref, 4)
		return err == nil
	})
	waitSettled(t, srv, b, st.Ref, 4, 1)
}

// TestForwardingOverTLS: replicas serving HTTPS register their port as
// curator's sslPort, and a standby forwards to the leader over https,
// verifying its certificate.
func TestForwardingOverTLS(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, simConfig(2))
	start := func(id string) *Service {
		var svc atomic.Pointer[Service]
		hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s := svc.Load(); s != nil && strings.HasPrefix(r.URL.Path, s.RPCPath()+"/") {
				s.Handler().ServeHTTP(w, r)
				return
			}
			http.NotFound(w, r)
		}))
		hs.StartTLS()
		t.Cleanup(hs.Close)
		roots := x509.NewCertPool()
		roots.AddCert(hs.Certificate())
		cfg := schedConfig(zks, srv.URL(), id)
		cfg.Instance.Port = hs.Listener.Addr().(*net.TCPAddr).Port
		cfg.Instance.RPCKey = []byte("secret")
		cfg.Instance.PeerTLS = &tls.Config{RootCAs: roots}
		s := startService(t, cfg)
		svc.Store(s)
		return s
	}
	a := start("a")
	waitLeader(t, a)
	b := start("b")
	if b.self.SSLPort == nil || b.self.Port != nil {
		t.Fatalf("registered port %v, sslPort %v; want the sslPort alone", b.self.Port, b.self.SSLPort)
	}
	st, err := b.CreateApp(ctx(t), basicApp("tls", 1))
	if err != nil {
		t.Fatalf("create through the standby over https: %v", err)
	}
	waitSettled(t, srv, b, st.Ref, 1, 1)
}
