package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/internal/kubeproxy"
)

// dialExec opens the console's exec websocket to the proxy with the
// session cookie, from origin ("" sends none), offering csrf as the
// bcs.csrf.<token> subprotocol ("" offers none); it answers the handshake's
// status and body.
func (c *console) dialExec(url, origin, csrf string) (int, string) {
	c.t.Helper()
	h := http.Header{"Cookie": {c.cookie.Name + "=" + c.cookie.Value}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	protos := []string{"v5.channel.k8s.io"}
	if csrf != "" {
		protos = append(protos, kubeproxy.CSRFProtocolPrefix+csrf)
	}
	d := websocket.Dialer{Subprotocols: protos, HandshakeTimeout: 30 * time.Second,
		TLSClientConfig: c.client.Transport.(*http.Transport).TLSClientConfig}
	conn, res, err := d.Dial("wss"+strings.TrimPrefix(url, "https"), h)
	if err == nil {
		_ = conn.Close()
		return http.StatusSwitchingProtocols, ""
	}
	if res == nil {
		c.t.Fatalf("dial %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The console reaches the Kubernetes proxy with its session cookie under
// /query's rules: plain requests need the X-CSRF-Token header, websockets
// a same-origin Origin and the token as a subprotocol; the project's exec
// switch holds for cookies as for tokens, and a signed-out session or one
// of a revoked token is 401.
func TestKubeProxyConsoleSession(t *testing.T) {
	a, _ := kubeClusters(t)
	env, base := kubeProxyEnv(t)
	p := env.createProject(t, "Console", "console")
	var alpha struct{ ID string }
	env.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "alpha", "kubeconfig": string(a.Kubeconfig)}}).field(t, "registerCluster", &alpha)
	// Another test may have removed BCS's bindings: registration puts them back.
	eventually(t, "the RBAC sync of registration", func() bool {
		return env.db.Client.Operation.Query().Where(operation.ClusterID(ID(alpha.ID)), operation.Action("SYNC_RBAC"),
			operation.StatusEQ(operation.StatusSUCCEEDED)).ExistX(system())
	})
	devToken := env.member(t, p.ID, "dora", "DEVELOPER")
	dev := signIn(t, base, tlsClient, devToken)
	viewer := signIn(t, base, tlsClient, env.member(t, p.ID, "vic", "VIEWER"))
	outsider := signIn(t, base, tlsClient, outsider(t, env, "olga"))
	list := "/clusters/" + alpha.ID + "/k8s/api/v1/namespaces/default/configmaps"
	exec := base + "/clusters/" + alpha.ID + "/k8s/api/v1/namespaces/default/pods/nosuch/exec?command=sh&stdin=true&stdout=true&tty=true"

	if res, body := dev.call(http.MethodGet, list); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "X-CSRF-Token") {
		t.Fatalf("cookie without the CSRF header: %d %s", res.StatusCode, body)
	}
	if res, body := dev.call(http.MethodGet, list, CSRFHeader, viewer.csrf); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cookie with another session's CSRF token: %d %s", res.StatusCode, body)
	}
	if res, body := dev.call(http.MethodGet, list, CSRFHeader, dev.csrf); res.StatusCode != http.StatusOK || !strings.Contains(body, `"ConfigMapList"`) {
		t.Fatalf("cookie with the CSRF header: %d %s", res.StatusCode, body)
	}
	if res, body := outsider.call(http.MethodGet, list, CSRFHeader, outsider.csrf); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an outsider's session: %d %s", res.StatusCode, body)
	}

	if code, body := dev.dialExec(exec, "https://evil.example", dev.csrf); code != http.StatusForbidden || !strings.Contains(body, "own origin") {
		t.Fatalf("exec from a foreign origin: %d %s", code, body)
	}
	if code, body := dev.dialExec(exec, "", dev.csrf); code != http.StatusForbidden {
		t.Fatalf("exec without an Origin: %d %s", code, body)
	}
	if code, body := dev.dialExec(exec, base, ""); code != http.StatusForbidden || !strings.Contains(body, kubeproxy.CSRFProtocolPrefix) {
		t.Fatalf("exec without the CSRF subprotocol: %d %s", code, body)
	}
	if code, body := viewer.dialExec(exec, base, viewer.csrf); code != http.StatusForbidden || !strings.Contains(body, "exec, attach and port-forward") {
		t.Fatalf("a viewer's exec: %d %s", code, body)
	}
	// Past BCS: the cluster itself answers for the missing pod.
	if code, body := dev.dialExec(exec, base, dev.csrf); code != http.StatusNotFound || !strings.Contains(body, `pods \"nosuch\" not found`) {
		t.Fatalf("same-origin exec with the CSRF subprotocol: %d %s", code, body)
	}

	// A bearer token needs neither, as before.
	if code, body := proxyGet(t, base+list, devToken); code != http.StatusOK {
		t.Fatalf("bearer: %d %s", code, body)
	}

	// A session whose token is revoked ends with it.
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	env.as(devToken).do(t, `mutation { createToken(input: {name: "console"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	second := signIn(t, base, tlsClient, created.Secret)
	if res, body := second.call(http.MethodGet, list, CSRFHeader, second.csrf); res.StatusCode != http.StatusOK {
		t.Fatalf("second session: %d %s", res.StatusCode, body)
	}
	env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, map[string]any{"id": created.Token.ID})
	if res, body := second.call(http.MethodGet, list, CSRFHeader, second.csrf); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a session of a revoked token: %d %s", res.StatusCode, body)
	}

	if res, body := dev.call(http.MethodDelete, "/auth/session", CSRFHeader, dev.csrf); res.StatusCode != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", res.StatusCode, body)
	}
	if res, body := dev.call(http.MethodGet, list, CSRFHeader, dev.csrf); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a signed-out session: %d %s", res.StatusCode, body)
	}
	if code, body := dev.dialExec(exec, base, dev.csrf); code != http.StatusUnauthorized {
		t.Fatalf("exec with a signed-out session: %d %s", code, body)
	}
}
