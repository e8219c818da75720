package kubeproxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/internal/auth"
)

// The console's CSRF token rides a websocket as the subprotocol
// bcs.csrf.<token>: the session hook gets it, the cluster never sees it,
// and the answer names only the protocol the cluster chose. On plain HTTP
// the X-CSRF-Token header stays at BCS too.
func TestSessionCSRFStaysAtBCS(t *testing.T) {
	up := websocket.Upgrader{Subprotocols: []string{"v5.channel.k8s.io"}}
	f := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		if !websocket.IsWebSocketUpgrade(r) {
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err == nil {
			_ = c.Close()
		}
	})
	dev := f.user(t, "dev", member.RoleDEVELOPER)
	v, err := f.h.Auth.Authenticate(context.Background(), dev)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 2)
	f.h.Session = func(r *http.Request, csrf string) (context.Context, *auth.Viewer, int, string) {
		got <- csrf
		if r.Header.Get("Cookie") == "" {
			return r.Context(), nil, 0, ""
		}
		return r.Context(), v, 0, ""
	}
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	exec := "/clusters/" + string(f.cluster.ID) + "/k8s/api/v1/namespaces/ns/pods/web-0/exec?command=sh"

	d := websocket.Dialer{Subprotocols: []string{"v5.channel.k8s.io", CSRFProtocolPrefix + "s3cret"}}
	c, res, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+exec, http.Header{"Cookie": {"bcs_session=x"}})
	if err != nil {
		t.Fatalf("dial: %v %v", err, res)
	}
	_ = c.Close()
	if c.Subprotocol() != "v5.channel.k8s.io" || strings.Contains(strings.Join(res.Header.Values("Sec-WebSocket-Protocol"), ","), "s3cret") {
		t.Fatalf("answered subprotocol %q, header %v", c.Subprotocol(), res.Header)
	}
	if csrf := <-got; csrf != "s3cret" {
		t.Fatalf("session hook got csrf %q", csrf)
	}
	h := <-f.seen
	if p := h.Values("Sec-WebSocket-Protocol"); len(p) != 1 || p[0] != "v5.channel.k8s.io" || h.Get("Cookie") != "" {
		t.Fatalf("the cluster saw %v", h)
	}

	req := httptest.NewRequest(http.MethodGet, "/clusters/"+string(f.cluster.ID)+"/k8s/api/v1/pods", nil)
	req.Header.Set("Cookie", "bcs_session=x")
	req.Header.Set(auth.CSRFHeader, "s3cret")
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("cookie GET: %d %s", w.Code, w.Body)
	}
	if h := <-f.seen; h.Get(auth.CSRFHeader) != "" || h.Get("Cookie") != "" || h.Get("Impersonate-User") != "bcs:dev" {
		t.Fatalf("the cluster saw %v", h)
	}

	// No cookie and no token: the hook declines and the proxy asks for a token.
	<-got
	req = httptest.NewRequest(http.MethodGet, "/clusters/"+string(f.cluster.ID)+"/k8s/api/v1/pods", nil)
	w = httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", w.Code)
	}
}
