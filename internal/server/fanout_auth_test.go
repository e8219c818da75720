package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/token"
	"github.com/bcs-io/bcs/ent/user"
	"github.com/bcs-io/bcs/internal/auth"
)

// A user's tokens share one lookup of its memberships (a dashboard fleet
// connecting with many tokens of one user); a grant or a removal is seen
// at once by a token looked up after it, though another token of the
// user had cached the old memberships.
func TestTokensOfOneUserSeeMembershipChangesAtOnce(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a, b := env.newTenant(t, "alpha"), env.newTenant(t, "beta")
	first, _ := env.addUser(t, "fleet", map[string]member.Role{a.project: member.RoleVIEWER})
	projects := func(tok string) map[string]bool {
		t.Helper()
		var ps struct {
			Edges []struct{ Node struct{ ID string } }
		}
		env.as(tok).do(t, `{ projects { edges { node { id } } } }`, nil).field(t, "projects", &ps)
		out := map[string]bool{}
		for _, e := range ps.Edges {
			out[e.Node.ID] = true
		}
		return out
	}
	if got := projects(first); !got[a.project] || got[b.project] {
		t.Fatalf("first token sees %v; want alpha only", got)
	}

	var m struct{ ID string }
	env.do(t, `mutation($p: ID!, $u: String!) { addMember(projectID: $p, userName: $u, role: VIEWER) { id } }`,
		map[string]any{"p": b.project, "u": "fleet"}).field(t, "addMember", &m)
	second, err := auth.Bootstrap(system(), env.db.Client, "fleet", false, "t2", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := projects(second); !got[a.project] || !got[b.project] {
		t.Fatalf("a token looked up after the grant sees %v; want alpha and beta", got)
	}

	if res := env.do(t, `mutation($id: ID!) { removeMember(id: $id) { deletedID } }`, map[string]any{"id": m.ID}); len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	third, err := auth.Bootstrap(system(), env.db.Client, "fleet", false, "t3", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := projects(third); got[b.project] {
		t.Fatalf("a token looked up after the removal sees %v; want no beta", got)
	}
}

// Last-used times are written in batches, off the handshake's path, and
// still written.
func TestLastUsedIsWrittenInBatches(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a := env.newTenant(t, "alpha")
	var toks []string
	for _, role := range []member.Role{member.RoleVIEWER, member.RoleDEVELOPER, member.RoleMAINTAINER} {
		toks = append(toks, a.tokens[role])
		env.as(a.tokens[role]).do(t, `{ me { name } }`, nil)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		used := 0
		for _, tok := range toks {
			if tk := env.db.Client.Token.Query().Where(token.Hash(auth.HashToken(tok))).OnlyX(system()); tk.LastUsedAt != nil {
				used++
			}
		}
		if used == len(toks) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d tokens have a last-used time", used, len(toks))
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
}

// The identity sweep re-checks every socket's viewer; with a token per
// socket it looks them up in batches — a few queries, however many
// sockets — and still ends a socket whose token was revoked behind its
// back (no event).
func TestSweepLooksDistinctTokensUpInBatches(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	const sockets = 30
	var socks []*gqlSocket
	for i := range sockets {
		tok, err := auth.Bootstrap(system(), env.db.Client, fmt.Sprintf("u%d", i%3), false, fmt.Sprintf("t%d", i), 0)
		if err != nil {
			t.Fatal(err)
		}
		socks = append(socks, env.dialGraphQL(t, tok))
	}
	revoked := socks[7]
	ctx := system()
	env.db.Client.Token.Update().Where(token.Name("t7")).SetRevokedAt(time.Now()).ExecX(ctx)
	env.server.authn.Invalidate() // as if the TTL had passed

	env.queries.Store(0)
	env.server.authn.Sweep(context.WithValue(ctx, requestIDKey{}, "sweep")) // counted by the harness's driver
	// One query for the tokens, one for their users, one for memberships,
	// and the revoked token looked up alone (token and user).
	if n := env.queries.Load(); n > 6 {
		t.Fatalf("the sweep of %d sockets ran %d queries; want a few, not one per socket", sockets, n)
	}
	if code, reason, _ := revoked.untilClosed(); code != 4403 || !strings.Contains(reason, "revoked") {
		t.Fatalf("the socket of the revoked token closed with %d %q; want 4403", code, reason)
	}
	socks[8].subscribeWS("1", `{ me { name } }`, nil)
	if m := socks[8].result("1"); m.Type != "next" {
		t.Fatalf("another socket after the sweep: %s %s", m.Type, m.Payload)
	}
}

// Lookups that miss the viewer cache at the same moment are read together
// (a connection storm); each caller still gets its own answer: its user,
// or UNAUTHENTICATED for a revoked, unknown or disabled one.
func TestConcurrentLookupsEachGetTheirOwnAnswer(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	ctx := system()
	type caller struct{ token, want string } // want: the user's name, or "" for UNAUTHENTICATED
	var callers []caller
	for i := range 24 {
		name := fmt.Sprintf("storm-%d", i%8)
		tok, err := auth.Bootstrap(ctx, env.db.Client, name, false, fmt.Sprintf("t%d", i), 0)
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, caller{tok, name})
	}
	revoked, err := auth.Bootstrap(ctx, env.db.Client, "storm-revoked", false, "gone", 0)
	if err != nil {
		t.Fatal(err)
	}
	env.db.Client.Token.Update().Where(token.Name("gone")).SetRevokedAt(time.Now()).ExecX(ctx)
	disabled, err := auth.Bootstrap(ctx, env.db.Client, "storm-disabled", false, "off", 0)
	if err != nil {
		t.Fatal(err)
	}
	env.db.Client.User.Update().Where(user.Name("storm-disabled")).SetDisabled(true).ExecX(ctx)
	unknown, _ := auth.NewToken()
	callers = append(callers, caller{revoked, ""}, caller{disabled, ""}, caller{unknown, ""})

	type answer struct {
		i    int
		name string
		code string
		err  error
	}
	answers := make(chan answer, len(callers))
	for i, c := range callers {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/query", strings.NewReader(`{"query":"{ me { name } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+c.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- answer{i: i, err: err}
				return
			}
			defer res.Body.Close()
			var body struct {
				Data   struct{ Me struct{ Name string } }
				Errors []struct{ Extensions map[string]any }
			}
			err = json.NewDecoder(res.Body).Decode(&body)
			a := answer{i: i, name: body.Data.Me.Name, err: err}
			if len(body.Errors) > 0 {
				a.code, _ = body.Errors[0].Extensions["code"].(string)
			}
			answers <- a
		}()
	}
	for range callers {
		a := <-answers
		c := callers[a.i]
		switch {
		case a.err != nil:
			t.Errorf("caller %d: %v", a.i, a.err)
		case c.want == "" && a.code != "UNAUTHENTICATED":
			t.Errorf("caller %d (invalid token) got %q %q; want UNAUTHENTICATED", a.i, a.name, a.code)
		case c.want != "" && a.name != c.want:
			t.Errorf("caller %d got %q (%s); want %s", a.i, a.name, a.code, c.want)
		}
	}
}
