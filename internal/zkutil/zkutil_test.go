package zkutil

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
)

const waitFor = 20 * time.Second

func connect(t *testing.T, srv *zookeeper.Server) *Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	s, err := Connect(ctx, []string{srv.Addr()}, 2*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitFor)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestElectionFailover(t *testing.T) {
	srv := zookeeper.StartT(t)
	a, b := connect(t, srv), connect(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()

	la, err := NewElection(a, "/test/leader", []byte("a:1"), nil).Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := la.Check(); err != nil {
		t.Fatalf("check as leader: %v", err)
	}
	if data, err := Leader(a.Conn, "/test/leader"); err != nil || string(data) != "a:1" {
		t.Fatalf("leader data %q %v", data, err)
	}

	won := make(chan *Leadership, 1)
	go func() {
		lb, err := NewElection(b, "/test/leader", []byte("b:2"), nil).Campaign(ctx)
		if err != nil {
			t.Error(err)
		}
		won <- lb
	}()
	select {
	case <-won:
		t.Fatal("second candidate elected while the first leads")
	case <-time.After(300 * time.Millisecond): // a negative check needs some wait
	}

	// End the leader's session from outside, as a crashed or partitioned
	// leader's session ends.
	if err := srv.ExpireSession(ctx, la.Session); err != nil {
		t.Fatal(err)
	}
	var lb *Leadership
	select {
	case lb = <-won:
	case <-time.After(waitFor):
		t.Fatal("standby not elected after the leader's session expired")
	}
	select {
	case <-la.Done():
	case <-time.After(waitFor):
		t.Fatal("old leader did not notice")
	}
	if !errors.Is(la.Err(), ErrLeadershipLost) || la.Check() == nil {
		t.Fatalf("old leader: %v", la.Err())
	}
	if data, _ := Leader(b.Conn, "/test/leader"); string(data) != "b:2" {
		t.Fatalf("leader data %q", data)
	}
	lb.Resign()
	if _, err := Leader(b.Conn, "/test/leader"); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("after resign: %v", err)
	}
}

func TestCampaignCancel(t *testing.T) {
	srv := zookeeper.StartT(t)
	a, b := connect(t, srv), connect(t, srv)
	la, err := NewElection(a, "/c", nil, nil).Campaign(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer la.Resign()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := NewElection(b, "/c", nil, nil).Campaign(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("campaign: %v", err)
	}
	children, _, _ := a.Children("/c")
	if len(children) != 1 {
		t.Fatalf("withdrawn candidate left its node: %v", children)
	}
}

func TestDiscovery(t *testing.T) {
	srv := zookeeper.StartT(t)
	a, b := connect(t, srv), connect(t, srv)
	ctx := context.Background()
	port := 8080
	ra, err := Register(ctx, a, "/bcs/services", ServiceInstance{Name: "bcs", ID: "a", Address: "10.0.0.1", Port: &port,
		Payload: json.RawMessage(`{"cluster":"BCS-MESOS-1"}`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Register(ctx, b, "/bcs/services", ServiceInstance{Name: "bcs", ID: "b", Address: "10.0.0.2", Port: &port}, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := Instances(a.Conn, "/bcs/services", "bcs")
	if err != nil || len(list) != 2 || list[0].ID != "a" || *list[0].Port != 8080 || list[0].ServiceType != "DYNAMIC" {
		t.Fatalf("%+v %v", list, err)
	}
	raw, _, _ := a.Get("/bcs/services/bcs/a")
	var fields map[string]any
	_ = json.Unmarshal(raw, &fields)
	for _, k := range []string{"name", "id", "address", "port", "sslPort", "payload", "registrationTimeUTC", "serviceType", "uriSpec"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("Curator field %s missing in %s", k, raw)
		}
	}

	// An expired session takes the node away; the registration puts it
	// back under the new session.
	if err := srv.ExpireSession(ctx, a.SessionID()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "re-registration after session expiry", func() bool {
		_, stat, err := b.Get("/bcs/services/bcs/a")
		return err == nil && stat.EphemeralOwner != 0 && stat.EphemeralOwner == a.SessionID()
	})

	if err := rb.Close(); err != nil {
		t.Fatal(err)
	}
	list, _ = Instances(a.Conn, "/bcs/services", "bcs")
	if len(list) != 1 || list[0].ID != "a" {
		t.Fatalf("after close: %+v", list)
	}
	_ = ra.Close()
}

func TestParseURL(t *testing.T) {
	servers, p, err := ParseURL("zk://h1:2181,h2:2181/mesos")
	if err != nil || len(servers) != 2 || p != "/mesos" {
		t.Fatal(servers, p, err)
	}
	for _, bad := range []string{"http://x/y", "zk://a:1", "zk:///x"} {
		if _, _, err := ParseURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
