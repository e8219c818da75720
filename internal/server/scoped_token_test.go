package server

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/user"
	"github.com/bcs-io/bcs/internal/auth"
)

// A kubeconfig's token, scoped to one cluster's Kubernetes proxy, opens
// nothing else: not a console session (which would then carry it
// everywhere as a cookie), not a websocket by connection_init or by the
// upgrade's header, not an SSE stream.
func TestClusterScopedTokenOpensNothingButItsProxy(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "scoped")
	ctx := system()
	u := env.db.Client.User.Query().Where(user.Name("scoped-owner")).OnlyX(ctx)
	scoped, _, err := auth.IssueClusterToken(ctx, env.db.Client, u.ID, "kubeconfig", nil, gid.ID(tn.objects[1]))
	if err != nil {
		t.Fatal(err)
	}

	if res, b := authCall(t, nil, http.MethodPost, env.srv.URL+"/auth/session", `{"token":"`+scoped+`"}`); res.StatusCode != http.StatusUnauthorized || sessionCookieOf(res) != nil {
		t.Fatalf("sign-in with a scoped token: %d %s", res.StatusCode, b)
	}
	if r := env.as(scoped).do(t, `{ me { name } }`, nil); r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("/query with a scoped token: %d %s", r.status, r.raw)
	}
	res, b := authCall(t, nil, http.MethodPost, env.srv.URL+"/query", `{"query":"subscription { changes { revision } }"}`,
		"Accept", "text/event-stream", "Authorization", "Bearer "+scoped)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("SSE with a scoped token: %d %s", res.StatusCode, b)
	}

	ws := env.dialRaw(t)
	ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + scoped}})
	if code, reason, seen := ws.closedWithin(10 * time.Second); code != 4403 {
		t.Fatalf("socket with a scoped token in connection_init: %d %q after %v", code, reason, describe(seen))
	}
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	c, up, err := d.Dial("ws"+strings.TrimPrefix(env.srv.URL, "http")+"/query", http.Header{"Authorization": {"Bearer " + scoped}})
	if err == nil {
		_ = c.Close()
	}
	if up == nil || up.StatusCode != http.StatusUnauthorized {
		t.Fatalf("upgrade with a scoped token in its header: %v %v", up, err)
	}
	// The owner's ordinary token still works: the refusal is the scope's.
	if r := env.as(tn.tokens[member.RoleOWNER]).do(t, `{ me { name } }`, nil); len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
}

// A kubeconfig's token is named after its cluster, cut to 64 bytes: the
// cut must not split a character (PostgreSQL refuses such text, and the
// name shows in `tokens`).
func TestKubeconfigTokenNameIsValidUTF8(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "utf")
	ctx := system()
	name := strings.Repeat("é", 32) // 64 bytes, the longest a cluster name may be
	env.db.Client.Cluster.UpdateOneID(gid.ID(tn.objects[1])).SetName(name).SetStatus(cluster.StatusNORMAL).ExecX(ctx)
	var kc string
	env.as(tn.tokens[member.RoleOWNER]).do(t, `mutation($cid: ID!) { createKubeconfig(clusterID: $cid) }`, map[string]any{"cid": tn.objects[1]}).field(t, "createKubeconfig", &kc)
	for _, tk := range env.db.Client.Token.Query().AllX(ctx) {
		if !utf8.ValidString(tk.Name) || len(tk.Name) > 64 {
			t.Fatalf("token name %q", tk.Name)
		}
	}
}
