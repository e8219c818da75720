package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/member"
	entproject "github.com/bcs-io/bcs/ent/project"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/user"
	"github.com/bcs-io/bcs/internal/auth"
)

// Sockets and streams that outlive a revocation or a membership change:
// the attack is an ordinary client that keeps its connection open.

// subscribeWS starts operation id on the socket.
func (s *gqlSocket) subscribeWS(id, query string, vars map[string]any) {
	s.t.Helper()
	s.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
}

// untilClosed reads until the server closes the socket and answers the
// close code and reason with the messages that came before it; the socket
// must close within 30 s (keep-alives do not extend that).
func (s *gqlSocket) untilClosed() (int, string, []socketMsg) {
	s.t.Helper()
	return s.closedWithin(30 * time.Second)
}

func (s *gqlSocket) closedWithin(d time.Duration) (int, string, []socketMsg) {
	s.t.Helper()
	var seen []socketMsg
	_ = s.c.SetReadDeadline(time.Now().Add(d))
	for {
		var m socketMsg
		err := s.c.ReadJSON(&m)
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Text, seen
		}
		if err != nil {
			s.t.Fatalf("read: %v (after %s)", err, describe(seen))
		}
		if m.Type != "ping" {
			seen = append(seen, m)
		}
	}
}

func describe(msgs []socketMsg) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "[%s %s %s] ", m.Type, m.ID, m.Payload)
	}
	return b.String()
}

// result reads the next message for id, skipping keep-alives.
func (s *gqlSocket) result(id string) socketMsg {
	s.t.Helper()
	for {
		m := s.read()
		if m.Type == "ping" || (m.Type == "complete" && m.ID != id) {
			continue
		}
		if m.ID != id {
			s.t.Fatalf("got %s for %s; want a message for %s: %s", m.Type, m.ID, id, m.Payload)
		}
		return m
	}
}

func (e *testEnv) submitChange(t *testing.T, tn *tenant, name string) {
	t.Helper()
	ev := changelog.Event{ClusterID: gid.ID(tn.objects[1]), ProjectID: gid.ID(tn.project), Kind: "ConfigMap",
		Namespace: "ns", Name: name, Type: changelog.Added, Object: map[string]any{"name": name}}
	if err := e.server.writer.Submit(system(), ev); err != nil {
		t.Fatal(err)
	}
	if err := e.server.writer.Flush(system()); err != nil {
		t.Fatal(err)
	}
}

// noChangeNamed fails if one of msgs delivered a change with that name.
func noChangeNamed(t *testing.T, msgs []socketMsg, name string) {
	t.Helper()
	for _, m := range msgs {
		if strings.Contains(string(m.Payload), name) {
			t.Fatalf("a change reached a subscriber that may no longer see it: %s %s", m.Type, m.Payload)
		}
	}
}

const createOnSocket = `mutation($code: String!) { createProject(input: {name: $code, code: $code}) { id } }`

// The reproduction: after revokeToken, HTTP answers 401 but the websocket
// opened with the token still ran mutations. Now the socket closes with
// 4403 the moment the token is revoked.
func TestRevokedTokenClosesItsSockets(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "rev")
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	env.as(tn.tokens[member.RoleOWNER]).do(t, `mutation { createToken(input: {name: "ws"}) { secret token { id } } }`, nil).field(t, "createToken", &created)

	ws := env.dialGraphQL(t, created.Secret)
	ws.subscribeWS("before", createOnSocket, map[string]any{"code": "before-revoke"})
	if m := ws.result("before"); m.Type != "next" || strings.Contains(string(m.Payload), "errors") {
		t.Fatalf("the socket could not act before the revocation: %s %s", m.Type, m.Payload)
	}
	ws.subscribeWS("live", `subscription { changes { `+changeFields+` } }`, nil)
	eventuallySubscribed(t, env)

	env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})
	if res := env.as(created.Secret).do(t, `{ me { name } }`, nil); res.code() != "UNAUTHENTICATED" {
		t.Fatalf("HTTP still accepts the revoked token: %s", res.raw)
	}
	code, reason, _ := ws.untilClosed()
	if code != 4403 || !strings.Contains(reason, "revoked") {
		t.Fatalf("socket closed with %d %q; want 4403 naming the revocation", code, reason)
	}
	eventually(t, "the live subscription ended", func() bool { return env.server.hub.Subscribers() == 0 })
}

// An identity change no event announced (made straight in the database,
// here with the viewer cache dropped as its TTL would) is caught by the
// check every new operation on a socket runs: the mutation never runs.
func TestEveryOperationOnASocketRechecksTheViewer(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "admit")
	ws := env.dialGraphQL(t, tn.tokens[member.RoleOWNER])
	ws.subscribeWS("1", `{ me { name } }`, nil)
	if m := ws.result("1"); m.Type != "next" {
		t.Fatalf("first operation: %s %s", m.Type, m.Payload)
	}
	ctx := system()
	env.db.Client.Token.Update().Where(tokenNamed("t")).SetRevokedAt(time.Now()).ExecX(ctx)
	env.server.authn.Invalidate()

	ws.subscribeWS("2", createOnSocket, map[string]any{"code": "after-revoke"})
	code, reason, seen := ws.untilClosed()
	if code != 4403 || !strings.Contains(reason, "revoked") {
		t.Fatalf("closed with %d %q after %v; want 4403", code, reason, seen)
	}
	if n := env.db.Client.Project.Query().Where(entproject.Code("after-revoke")).CountX(ctx); n != 0 {
		t.Fatal("a mutation ran on a socket whose token was revoked")
	}
}

// After a member is removed from a project, no further change of it
// reaches them: the socket closes (4403), the SSE stream ends with an
// UNAUTHENTICATED error, and a shared execution of two sockets ends.
func TestRemovedMemberReceivesNothingMore(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "gone")
	live := `subscription { changes { ` + changeFields + ` } }`
	viewer := tn.tokens[member.RoleVIEWER]
	ws1, ws2 := env.dialGraphQL(t, viewer), env.dialGraphQL(t, viewer)
	ws1.subscribeWS("a", live, nil)
	ws2.subscribeWS("b", live, nil)
	sse := env.as(viewer).subscribe(t, live, nil)
	eventually(t, "two sockets sharing one execution, and the stream", func() bool {
		return env.server.share.Members() == 2 && env.server.share.Groups() == 1 && env.server.hub.Subscribers() == 2
	})
	env.submitChange(t, tn, "seen")
	for _, s := range []struct {
		ws *gqlSocket
		id string
	}{{ws1, "a"}, {ws2, "b"}} {
		for s.ws.nextChange(s.id).Name != "seen" { // the tenant's fixtures may come first
		}
	}
	for {
		var c changeView
		_ = json.Unmarshal(next(t, sse).Data["changes"], &c)
		if c.Name == "seen" {
			break
		}
	}

	res := env.do(t, `mutation($id: ID!) { removeMember(id: $id) { deletedID } }`, map[string]any{"id": tn.members[member.RoleVIEWER]})
	if len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	env.submitChange(t, tn, "secret-after-removal")
	for _, ws := range []*gqlSocket{ws1, ws2} {
		code, _, seen := ws.untilClosed()
		noChangeNamed(t, seen, "secret-after-removal")
		if code != 4403 {
			t.Fatalf("socket closed with %d; want 4403", code)
		}
	}
	evs, ended := drain(sse, 10*time.Second)
	for _, ev := range evs {
		if len(ev.Errors) == 0 {
			t.Fatalf("the stream delivered %v after the removal", ev.Data)
		}
		if ev.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Fatalf("stream ended with %+v", ev.Errors)
		}
	}
	if !ended || len(evs) == 0 {
		t.Fatalf("the stream did not end with an error: %+v", evs)
	}
	eventually(t, "the shared execution and the stream ended", func() bool {
		return env.server.share.Groups() == 0 && env.server.hub.Subscribers() == 0
	})
}

// A role change closes the member's sockets too: what they may do changed.
func TestRoleChangeClosesTheMembersSockets(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "demote")
	ws := env.dialGraphQL(t, tn.tokens[member.RoleMAINTAINER])
	other := env.dialGraphQL(t, tn.tokens[member.RoleDEVELOPER])
	res := env.do(t, `mutation($id: ID!) { updateMemberRole(id: $id, role: VIEWER) { id } }`, map[string]any{"id": tn.members[member.RoleMAINTAINER]})
	if len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	if code, reason, _ := ws.untilClosed(); code != 4403 || !strings.Contains(reason, "memberships changed") {
		t.Fatalf("closed with %d %q", code, reason)
	}
	// Another member's socket is untouched.
	other.subscribeWS("1", `{ me { name } }`, nil)
	if m := other.result("1"); m.Type != "next" {
		t.Fatalf("an unaffected member's socket: %s %s", m.Type, m.Payload)
	}
}

// A token's sockets close when it expires, and a disabled user's when the
// sweep notices (no event announces a change made in the database).
func TestSocketsEndWithExpiryAndDisabledUsers(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "expire")
	ctx := system()
	short, err := auth.Bootstrap(ctx, env.db.Client, "short-lived", false, "short", 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ws := env.dialGraphQL(t, short)
	if code, reason, _ := ws.untilClosed(); code != 4403 || !strings.Contains(reason, "expired") {
		t.Fatalf("closed with %d %q; want 4403 at expiry", code, reason)
	}

	ws = env.dialGraphQL(t, tn.tokens[member.RoleDEVELOPER])
	env.db.Client.User.Update().Where(user.Name("expire-developer")).SetDisabled(true).ExecX(ctx)
	env.server.authn.Invalidate() // as the cache TTL would
	env.server.authn.Sweep(ctx)
	if code, reason, _ := ws.untilClosed(); code != 4403 || !strings.Contains(reason, "disabled") {
		t.Fatalf("closed with %d %q; want 4403 for a disabled user", code, reason)
	}
}

// Two replicas on one PostgreSQL: a revocation or a removal made through
// replica A closes the sockets replica B holds, well before B's periodic
// re-check would, and B delivers no change of the project afterwards.
func TestIdentityChangesReachEveryReplica(t *testing.T) {
	url, err := pg.CreateDatabase(context.Background(), "identity_replicas")
	if err != nil {
		t.Fatal(err)
	}
	a := newEnvWith(t, url, func(c *Config) { c.Replica = "a" })
	b := newEnvWith(t, url, func(c *Config) { c.Replica = "b" })
	tn := a.newTenant(t, "pgrev")
	// Half the periodic re-check's interval: only the event closes it in time.
	within := func(ws *gqlSocket, what string) []socketMsg {
		t.Helper()
		code, reason, seen := ws.closedWithin(identityRecheck / 2)
		if code != 4403 {
			t.Fatalf("%s: replica b closed the socket with %d %q", what, code, reason)
		}
		return seen
	}

	// Revocation.
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	a.as(tn.tokens[member.RoleDEVELOPER]).do(t, `mutation { createToken(input: {name: "b"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	ws := b.dialGraphQL(t, created.Secret)
	a.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})
	within(ws, "revocation")

	// Removal: the viewer follows the project's changes on replica b.
	ws = b.dialGraphQL(t, tn.tokens[member.RoleVIEWER])
	ws.subscribeWS("live", `subscription { changes { `+changeFields+` } }`, nil)
	eventually(t, "a subscriber on replica b", func() bool { return b.server.hub.Subscribers() > 0 })
	res := a.do(t, `mutation($id: ID!) { removeMember(id: $id) { deletedID } }`, map[string]any{"id": tn.members[member.RoleVIEWER]})
	if len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	a.submitChange(t, tn, "secret-after-removal")
	noChangeNamed(t, within(ws, "removal"), "secret-after-removal")
}

// The isolation matrix for sockets and streams whose viewer changes
// mid-stream: every subscription, over websocket and SSE, of a member who
// is then removed from the project ends (4403, or a last UNAUTHENTICATED
// error) and delivers nothing that changed after the removal.
func TestEverySubscriptionEndsWhenItsViewerIsRemoved(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "midstream")
	subs := map[string]struct {
		query string
		vars  map[string]any
	}{
		"changes":       {`subscription { changes { name } }`, nil},
		"operation":     {`subscription($id: ID!) { operation(id: $id) { id status } }`, map[string]any{"id": tn.objects[11]}},
		"clusterStatus": {`subscription($p: ID!) { clusterStatus(projectID: $p) { id name status } }`, map[string]any{"p": tn.project}},
		"workload":      {`subscription($id: ID!) { workload(id: $id) { id ready } }`, map[string]any{"id": tn.objects[3]}},
		"instance":      {`subscription($id: ID!) { instance(id: $id) { id status } }`, map[string]any{"id": tn.objects[10]}},
	}
	for _, name := range rootFields(t, env, "Subscription") {
		if _, ok := subs[name]; !ok {
			t.Errorf("subscription %q is not covered by this test", name)
		}
	}
	viewer := tn.tokens[member.RoleVIEWER]
	sockets := map[string]*gqlSocket{}
	streams := map[string]<-chan sseEvent{}
	for name, s := range subs {
		ws := env.dialGraphQL(t, viewer)
		ws.subscribeWS(name, s.query, s.vars)
		sockets[name] = ws
		streams[name] = env.as(viewer).subscribe(t, s.query, s.vars)
	}
	eventually(t, "both changes subscriptions", func() bool { return env.server.hub.Subscribers() == 2 })
	env.submitChange(t, tn, "before")
	for name, ws := range sockets { // each is live: it has delivered something
		if m := ws.result(name); m.Type != "next" {
			t.Fatalf("%s over websocket: %s %s", name, m.Type, m.Payload)
		}
		if ev := next(t, streams[name]); len(ev.Errors) > 0 {
			t.Fatalf("%s over SSE: %+v", name, ev.Errors)
		}
	}

	res := env.do(t, `mutation($id: ID!) { removeMember(id: $id) { deletedID } }`, map[string]any{"id": tn.members[member.RoleVIEWER]})
	if len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	ctx := system()
	c := env.db.Client
	env.submitChange(t, tn, "secret-after-removal")
	c.Workload.UpdateOneID(ID(tn.objects[3])).SetReady(42).ExecX(ctx)
	c.Cluster.UpdateOneID(ID(tn.objects[1])).SetName("secret-after-removal").ExecX(ctx)
	for name, ws := range sockets {
		code, _, seen := ws.closedWithin(10 * time.Second)
		noChangeNamed(t, seen, "secret-after-removal")
		noChangeNamed(t, seen, `"ready":42`)
		if code != 4403 {
			t.Errorf("%s over websocket: closed with %d", name, code)
		}
	}
	for name, stream := range streams {
		last, ended := drain(stream, 10*time.Second)
		for _, ev := range last {
			if b, _ := json.Marshal(ev.Data); strings.Contains(string(b), "secret-after-removal") || strings.Contains(string(b), `"ready":42`) {
				t.Errorf("%s over SSE delivered %s after the removal", name, b)
			}
		}
		if !ended || len(last) == 0 || len(last[len(last)-1].Errors) == 0 || last[len(last)-1].Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Errorf("%s over SSE: ended %v with %+v", name, ended, last)
		}
	}
}

// drain reads a stream's events until it ends (true) or d passes (false).
func drain(stream <-chan sseEvent, d time.Duration) ([]sseEvent, bool) {
	var evs []sseEvent
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-stream:
			if !ok {
				return evs, true
			}
			evs = append(evs, ev)
		case <-timeout:
			return evs, false
		}
	}
}

// A socket whose scope grew (admitViewer acts with the wider viewer) is
// held to the wider scope too: when the grant is taken back with no event
// (straight in the database, or a NOTIFY lost) the sweep must close it,
// not leave a subscription of the lost project streaming on the old,
// narrower viewer it still "covers".
func TestSweepClosesASocketWhoseGrownScopeShrank(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a, b := env.newTenant(t, "grow-a"), env.newTenant(t, "grow-b")
	ws := env.dialGraphQL(t, a.tokens[member.RoleVIEWER])
	ws.subscribeWS("1", `{ me { name } }`, nil)
	if m := ws.result("1"); m.Type != "next" {
		t.Fatalf("first operation: %s %s", m.Type, m.Payload)
	}
	if m := ws.result("1"); m.Type != "complete" {
		t.Fatalf("first operation: %s %s", m.Type, m.Payload)
	}
	env.do(t, `mutation($p: ID!, $u: String!) { addMember(projectID: $p, userName: $u, role: VIEWER) { id } }`,
		map[string]any{"p": b.project, "u": "grow-a-viewer"}).field(t, "addMember", new(struct{ ID string }))
	ws.subscribeWS("b", `subscription($p: ID!) { changes(filter: {projectID: $p}) { `+changeFields+` } }`, map[string]any{"p": b.project})
	eventuallySubscribed(t, env)
	env.submitChange(t, b, "granted")
	for ws.nextChange("b").Name != "granted" {
	}

	ctx := system()
	env.db.Client.Member.Delete().Where(member.HasUserWith(user.Name("grow-a-viewer")), member.ProjectID(ID(b.project))).ExecX(ctx)
	env.server.authn.Invalidate() // as the cache TTL would
	env.server.authn.Sweep(ctx)
	env.submitChange(t, b, "secret-after-removal")
	code, _, seen := ws.closedWithin(10 * time.Second)
	noChangeNamed(t, seen, "secret-after-removal")
	if code != 4403 {
		t.Fatalf("socket closed with %d; want 4403", code)
	}
}

// The SSE transport takes any case and any Accept line, so must the
// revocation watch: a stream asked for as "Text/Event-Stream" on a second
// Accept line ends when its token is revoked, like any other.
func TestRevocationEndsAStreamWithAMixedCaseAccept(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "accept")
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	env.as(tn.tokens[member.RoleOWNER]).do(t, `mutation { createToken(input: {name: "sse"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	sse := env.as(created.Secret).subscribeAccepting(t, []string{"application/json", "Text/Event-Stream;q=0.9"},
		`subscription { changes { `+changeFields+` } }`, nil)
	eventuallySubscribed(t, env)

	env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})
	evs, ended := drain(sse, 10*time.Second)
	if !ended || len(evs) == 0 {
		t.Fatalf("the stream did not end with an error: %+v", evs)
	}
	last := evs[len(evs)-1]
	if len(last.Errors) == 0 || last.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("stream ended with %+v", last)
	}
}

// A revocation published while a replica was not listening (starting, or
// its LISTEN connection cut) still closes that replica's sockets promptly:
// when it listens again it forgets its cached viewers and re-checks the
// open sockets', instead of waiting for the periodic sweep.
func TestIdentityEventMissedWhileNotListening(t *testing.T) {
	url, err := pg.CreateDatabase(context.Background(), "identity_missed")
	if err != nil {
		t.Fatal(err)
	}
	a := newEnvWith(t, url, func(c *Config) { c.Replica = "a" })
	b := newEnvWith(t, url, func(c *Config) { c.Replica = "b" })
	tn := a.newTenant(t, "missed")
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	a.as(tn.tokens[member.RoleDEVELOPER]).do(t, `mutation { createToken(input: {name: "m"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	ws := b.dialGraphQL(t, created.Secret)
	// Cut every replica's listening connection, then revoke at once: the
	// event is published before they listen again (100 ms backoff).
	var killed int
	if err := a.server.db.SQL.QueryRowContext(context.Background(), `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("terminated %d listening connections (%v)", killed, err)
	}
	a.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})
	if code, reason, _ := ws.closedWithin(identityRecheck / 2); code != 4403 {
		t.Fatalf("replica b closed the socket with %d %q; want 4403 before the periodic sweep", code, reason)
	}
}
