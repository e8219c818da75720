package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// gqlSocket is a graphql-transport-ws client for tests.
type gqlSocket struct {
	t *testing.T
	c *websocket.Conn
}

func (e *testEnv) dialGraphQL(t *testing.T, token string) *gqlSocket {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	c, res, err := d.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/query", http.Header{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = res.Body.Close()
	t.Cleanup(func() { _ = c.Close() })
	s := &gqlSocket{t: t, c: c}
	s.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}})
	if m := s.read(); m.Type != "connection_ack" {
		t.Fatalf("got %s %s; want connection_ack", m.Type, m.Payload)
	}
	return s
}

func (s *gqlSocket) send(v any) {
	s.t.Helper()
	if err := s.c.WriteJSON(v); err != nil {
		s.t.Fatal(err)
	}
}

type socketMsg struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

func (s *gqlSocket) read() socketMsg {
	s.t.Helper()
	_ = s.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var m socketMsg
	if err := s.c.ReadJSON(&m); err != nil {
		s.t.Fatalf("read: %v", err)
	}
	return m
}

// nextChange reads the next change under id, skipping keep-alives.
func (s *gqlSocket) nextChange(id string) changeView {
	s.t.Helper()
	for {
		m := s.read()
		if m.Type == "ping" {
			continue
		}
		if m.Type != "next" || m.ID != id {
			s.t.Fatalf("got %s id=%s %s; want next for %s", m.Type, m.ID, m.Payload, id)
		}
		var p struct {
			Data struct{ Changes changeView }
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			s.t.Fatal(err)
		}
		return p.Data.Changes
	}
}

// Identical live `changes` subscriptions of one scope share one execution
// and one hub subscription — one token's, or another role's in the same
// project; other projects and subscriptions with `since` get their own,
// and every subscriber still sees exactly its project's changes.
func TestIdenticalLiveSubscriptionsShareAnExecution(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a, b := env.newTenant(t, "alpha"), env.newTenant(t, "beta")
	live := `subscription { changes { ` + changeFields + ` } }`
	subscribe := func(token, id, query string, vars map[string]any) *gqlSocket {
		s := env.dialGraphQL(t, token)
		s.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
		return s
	}
	viewer1 := subscribe(a.tokens[member.RoleVIEWER], "v1", live, nil)
	viewer2 := subscribe(a.tokens[member.RoleVIEWER], "v2", live, nil)
	owner := subscribe(a.tokens[member.RoleOWNER], "o", live, nil)
	other := subscribe(b.tokens[member.RoleVIEWER], "b", live, nil)
	replay := subscribe(a.tokens[member.RoleVIEWER], "r", `subscription($s: Int) { changes(since: $s) { `+changeFields+` } }`, map[string]any{"s": 0})

	eventually(t, "4 subscriptions in 2 shared executions, 1 alone", func() bool {
		return env.server.share.Members() == 4 && env.server.share.Groups() == 2 && env.server.hub.Subscribers() == 3
	})

	submit := func(tn *tenant, name string) {
		ev := changelog.Event{ClusterID: gid.ID(tn.objects[1]), ProjectID: gid.ID(tn.project), Kind: "ConfigMap",
			Namespace: "ns", Name: name, Type: changelog.Added, Object: map[string]any{"name": name}}
		if err := env.server.writer.Submit(system(), ev); err != nil {
			t.Fatal(err)
		}
		if err := env.server.writer.Flush(system()); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		submit(b, fmt.Sprintf("beta-%d", i))
		submit(a, fmt.Sprintf("alpha-%d", i))
	}
	for _, sub := range []struct {
		s      *gqlSocket
		id     string
		tenant *tenant
		prefix string
	}{{viewer1, "v1", a, "alpha"}, {viewer2, "v2", a, "alpha"}, {owner, "o", a, "alpha"}, {replay, "r", a, "alpha"}, {other, "b", b, "beta"}} {
		// The tenant's own fixtures may come first (replay, or committed
		// after the subscription started); nothing of another project may.
		for i := 0; i < 3; {
			c := sub.s.nextChange(sub.id)
			if c.ProjectID != sub.tenant.project {
				t.Fatalf("%s: received %+v of another project", sub.id, c)
			}
			if !strings.HasPrefix(c.Name, sub.prefix+"-") {
				continue
			}
			if want := fmt.Sprintf("%s-%d", sub.prefix, i); c.Name != want {
				t.Fatalf("%s: got %s; want %s", sub.id, c.Name, want)
			}
			i++
		}
	}

	// Members leave one by one; the execution ends with the last.
	viewer1.send(map[string]any{"id": "v1", "type": "complete"})
	eventually(t, "v1 gone, its execution kept for v2 and the owner", func() bool {
		return env.server.share.Members() == 3 && env.server.share.Groups() == 2
	})
	submit(a, "after-v1")
	if c := viewer2.nextChange("v2"); c.Name != "after-v1" {
		t.Fatalf("v2 got %+v", c)
	}
	_ = viewer2.c.Close()
	eventually(t, "the viewer token's sockets gone, the owner's execution kept", func() bool {
		return env.server.share.Members() == 2 && env.server.share.Groups() == 2 && env.server.hub.Subscribers() == 3
	})
}
