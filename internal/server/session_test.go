package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bcs-io/bcs/ent/member"
	entproject "github.com/bcs-io/bcs/ent/project"
	"github.com/bcs-io/bcs/ent/session"
)

// console is a browser signed in to the console of one server.
type console struct {
	t      *testing.T
	base   string // the server's URL
	client *http.Client
	cookie *http.Cookie
	csrf   string
	user   string
}

// authCall sends a request to /auth/session or /query as a browser would.
func authCall(t *testing.T, client *http.Client, method, target, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func sessionCookieOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}

// signIn posts a token to /auth/session and expects a session.
func signIn(t *testing.T, base string, client *http.Client, token string) *console {
	t.Helper()
	res, body := authCall(t, client, http.MethodPost, base+"/auth/session", `{"token":"`+token+`"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d %s", res.StatusCode, body)
	}
	var out sessionBody
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.CSRFToken == "" || out.User.ID == "" {
		t.Fatalf("sign-in body %s (%v)", body, err)
	}
	c := sessionCookieOf(res)
	if c == nil {
		t.Fatalf("sign-in set no %s cookie: %v", SessionCookie, res.Header["Set-Cookie"])
	}
	return &console{t: t, base: base, client: client, cookie: c, csrf: out.CSRFToken, user: out.User.Name}
}

// query posts GraphQL with the cookie and, if csrf is set, the header.
func (c *console) query(q, csrf string) *gqlResponse {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q})
	req, _ := http.NewRequest(http.MethodPost, c.base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(c.cookie)
	if csrf != "" {
		req.Header.Set(CSRFHeader, csrf)
	}
	return (&testEnv{}).sendWith(c.t, c.client, req)
}

func (e *testEnv) sendWith(t testing.TB, client *http.Client, req *http.Request) *gqlResponse {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := &gqlResponse{status: res.StatusCode, raw: string(b)}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("response is not JSON (%d): %s", res.StatusCode, b)
	}
	return out
}

func (c *console) call(method, path string, hdr ...string) (*http.Response, string) {
	c.t.Helper()
	return authCall(c.t, c.client, method, c.base+path, "", append([]string{"Cookie", c.cookie.Name + "=" + c.cookie.Value}, hdr...)...)
}

// dial opens a websocket with the session cookie from origin ("" sends none).
func (c *console) dial(origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{"Cookie": {c.cookie.Name + "=" + c.cookie.Value}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	return d.Dial("ws"+strings.TrimPrefix(c.base, "http")+"/query", h)
}

// socket opens a same-origin socket and acknowledges it with the CSRF token.
func (c *console) socket(csrf string) *gqlSocket {
	c.t.Helper()
	conn, res, err := c.dial(c.base)
	if err != nil {
		c.t.Fatalf("same-origin dial with the session cookie: %v", err)
	}
	_ = res.Body.Close()
	c.t.Cleanup(func() { _ = conn.Close() })
	s := &gqlSocket{t: c.t, c: conn}
	s.send(map[string]any{"type": "connection_init", "payload": map[string]any{"csrfToken": csrf}})
	return s
}

func (e *testEnv) newToken(t *testing.T, as, name string) (secret, id string) {
	t.Helper()
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	e.as(as).do(t, `mutation($n: String!) { createToken(input: {name: $n}) { secret token { id } } }`,
		map[string]any{"n": name}).field(t, "createToken", &created)
	return created.Secret, created.Token.ID
}

// The whole sign-in contract over a real server on both databases: the
// cookie's flags, what is stored, the CSRF rules of /query, GET never
// mutating, sign-out, and a cookie reused after it.
func TestConsoleSignInAndOut(t *testing.T) {
	backends(t, func(t *testing.T, env *testEnv) {
		base := env.srv.URL
		for _, tok := range []string{"nope", "bcs_" + strings.Repeat("A", 43), ""} {
			res, body := authCall(t, nil, http.MethodPost, base+"/auth/session", `{"token":"`+tok+`"}`)
			var e struct {
				Error struct{ Code, Message string }
			}
			_ = json.Unmarshal([]byte(body), &e)
			if want := map[bool]int{true: 400, false: 401}[tok == ""]; res.StatusCode != want || sessionCookieOf(res) != nil ||
				e.Error.Code != map[bool]string{true: "BAD_USER_INPUT", false: "UNAUTHENTICATED"}[tok == ""] {
				t.Fatalf("sign-in with %q: %d %s", tok, res.StatusCode, body)
			}
		}

		c := signIn(t, base, nil, env.token)
		if c.user != "admin" {
			t.Errorf("signed in as %q", c.user)
		}
		ck := c.cookie
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure {
			t.Errorf("cookie flags: %+v (want HttpOnly, SameSite=Strict, Path=/, not Secure on plain HTTP)", ck)
		}
		// Storage holds a hash of the secret, never the secret.
		row := env.db.Client.Session.Query().OnlyX(system())
		sum := sha256.Sum256([]byte(ck.Value))
		if !bytes.Equal(row.Hash, sum[:]) || bytes.Contains(row.Hash, []byte(ck.Value)) || row.RevokedAt != nil {
			t.Errorf("stored session %+v", row)
		}

		res, body := c.call(http.MethodGet, "/auth/session")
		if res.StatusCode != 200 || !strings.Contains(body, c.csrf) || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET /auth/session: %d %s", res.StatusCode, body)
		}

		// CSRF: missing or wrong header → 403 FORBIDDEN; right one → 200.
		for _, csrf := range []string{"", "wrong", c.csrf + "x"} {
			if r := c.query(`{ me { name } }`, csrf); r.status != 403 || r.code() != "FORBIDDEN" {
				t.Fatalf("cookie with CSRF %q: %d %s", csrf, r.status, r.raw)
			}
		}
		if r := c.query(`mutation { createProject(input: {name: "csrf", code: "csrf-none"}) { id } }`, ""); r.status != 403 {
			t.Fatalf("a cookie mutation without CSRF: %d %s", r.status, r.raw)
		}
		var me struct{ Name string }
		c.query(`{ me { name } }`, c.csrf).field(t, "me", &me)
		if me.Name != "admin" {
			t.Fatalf("me = %q", me.Name)
		}
		if r := c.query(`mutation { createProject(input: {name: "By cookie", code: "by-cookie"}) { id } }`, c.csrf); len(r.Errors) > 0 {
			t.Fatalf("a cookie mutation with CSRF: %s", r.raw)
		}

		// GET never mutates, even with the cookie and its CSRF token.
		q := url.Values{"query": {`mutation { createProject(input: {name: "by get", code: "by-get"}) { id } }`}}
		res, body = c.call(http.MethodGet, "/query?"+q.Encode(), CSRFHeader, c.csrf)
		if res.StatusCode == 200 && !strings.Contains(body, "errors") {
			t.Fatalf("GET ran a mutation: %d %s", res.StatusCode, body)
		}
		if n := env.db.Client.Project.Query().Where(entproject.Code("by-get")).CountX(system()); n != 0 {
			t.Fatal("GET created a project")
		}
		if res, body = c.call(http.MethodGet, "/query?"+url.Values{"query": {"{ me { name } }"}}.Encode()); res.StatusCode != 403 {
			t.Fatalf("a cookie GET without CSRF: %d %s", res.StatusCode, body)
		}

		// Bearer tokens need no CSRF header, with or without a cookie beside.
		if r := env.post(t, "application/json", `{"query":"{ me { name } }"}`, http.Header{"Cookie": {ck.Name + "=" + ck.Value}}); len(r.Errors) > 0 {
			t.Fatalf("bearer beside a cookie: %s", r.raw)
		}

		// Sign-out needs the CSRF header, then the cookie is dead everywhere.
		if res, body = c.call(http.MethodDelete, "/auth/session"); res.StatusCode != 403 {
			t.Fatalf("DELETE without CSRF: %d %s", res.StatusCode, body)
		}
		res, body = c.call(http.MethodDelete, "/auth/session", CSRFHeader, c.csrf)
		if res.StatusCode != 204 {
			t.Fatalf("sign-out: %d %s", res.StatusCode, body)
		}
		if cleared := sessionCookieOf(res); cleared == nil || cleared.MaxAge >= 0 || cleared.Value != "" {
			t.Errorf("sign-out did not clear the cookie: %v", res.Header["Set-Cookie"])
		}
		if r := c.query(`{ me { name } }`, c.csrf); r.status != 401 || r.code() != "UNAUTHENTICATED" {
			t.Fatalf("a signed-out cookie: %d %s", r.status, r.raw)
		}
		if res, body = c.call(http.MethodGet, "/auth/session"); res.StatusCode != 401 || !strings.Contains(body, "UNAUTHENTICATED") {
			t.Fatalf("GET /auth/session after sign-out: %d %s", res.StatusCode, body)
		}
		if env.db.Client.Session.Query().OnlyX(system()).RevokedAt == nil {
			t.Error("the session row was not revoked")
		}

		// Signing in again from a signed-in browser replaces its session.
		first := signIn(t, base, nil, env.token)
		res, body = authCall(t, nil, http.MethodPost, base+"/auth/session", `{"token":"`+env.token+`"}`,
			"Cookie", first.cookie.Name+"="+first.cookie.Value)
		if res.StatusCode != 200 || sessionCookieOf(res).Value == first.cookie.Value {
			t.Fatalf("second sign-in: %d %s", res.StatusCode, body)
		}
		if r := first.query(`{ me { name } }`, first.csrf); r.status != 401 {
			t.Fatalf("the replaced session still works: %d %s", r.status, r.raw)
		}
	})
}

// A page elsewhere can neither sign a browser in (login CSRF) nor guess
// its way in quickly.
func TestConsoleSignInRefusesOtherOriginsAndIsRateLimited(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.RatePerSecond, c.RateBurst = 0.01, 3 })
	base := env.srv.URL
	body := `{"token":"` + env.token + `"}`
	if res, b := authCall(t, nil, http.MethodPost, base+"/auth/session", body, "Origin", "https://evil.example"); res.StatusCode != 403 || sessionCookieOf(res) != nil {
		t.Fatalf("foreign Origin: %d %s", res.StatusCode, b)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/auth/session", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain") // what a cross-site form or simple fetch sends
	if res := must(http.DefaultClient.Do(req)); res.StatusCode != http.StatusUnsupportedMediaType || sessionCookieOf(res) != nil {
		t.Fatalf("text/plain sign-in: %d", res.StatusCode)
	}
	codes := []int{}
	for range 4 {
		res, _ := authCall(t, nil, http.MethodPost, base+"/auth/session", `{"token":"bcs_`+strings.Repeat("B", 43)+`"}`)
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != 401 || codes[3] != 429 {
		t.Fatalf("sign-in attempts answered %v; want 401 first and 429 once the burst is spent", codes)
	}
}

func must(res *http.Response, err error) *http.Response {
	if err != nil {
		panic(err)
	}
	_ = res.Body.Close()
	return res
}

// Under TLS the session cookie is Secure.
func TestConsoleCookieSecureUnderTLS(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tls := httptest.NewTLSServer(env.server)
	t.Cleanup(tls.Close)
	c := signIn(t, tls.URL, tls.Client(), env.token)
	if !c.cookie.Secure || !c.cookie.HttpOnly || c.cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie over TLS: %+v", c.cookie)
	}
}

// A socket riding the cookie must come from the server's own origin and
// prove it read the session (csrfToken in connection_init).
func TestConsoleSocketChecksOriginAndCSRF(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	c := signIn(t, env.srv.URL, nil, env.token)
	for _, origin := range []string{"https://evil.example", "http://127.0.0.1.evil.example", "null", ""} {
		conn, res, err := c.dial(origin)
		if err == nil {
			_ = conn.Close()
			t.Fatalf("Origin %q: the upgrade was accepted", origin)
		}
		if res == nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("Origin %q: %v %v; want 403", origin, res, err)
		}
	}
	for _, csrf := range []string{"", "wrong"} {
		ws := c.socket(csrf)
		if code, _, seen := ws.untilClosed(); code != 4403 {
			t.Fatalf("connection_init with csrfToken %q: closed %d after %s; want 4403", csrf, code, describe(seen))
		}
	}
	ws := c.socket(c.csrf)
	if m := ws.read(); m.Type != "connection_ack" {
		t.Fatalf("got %s %s", m.Type, m.Payload)
	}
	ws.subscribeWS("1", `{ me { name } }`, nil)
	if m := ws.result("1"); m.Type != "next" || !strings.Contains(string(m.Payload), "admin") {
		t.Fatalf("query on the cookie socket: %s %s", m.Type, m.Payload)
	}

	// Signed out, the cookie grants nothing, but a token in
	// connection_init still works beside it (GraphiQL on the same origin).
	if res, _ := c.call(http.MethodDelete, "/auth/session", CSRFHeader, c.csrf); res.StatusCode != 204 {
		t.Fatalf("sign-out: %d", res.StatusCode)
	}
	if code, reason, _ := c.socket(c.csrf).untilClosed(); code != 4403 || !strings.Contains(reason, "sign in again") {
		t.Fatalf("a signed-out cookie socket closed with %d %q; want 4403 asking to sign in again", code, reason)
	}
	conn, res, err := c.dial(c.base)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	t.Cleanup(func() { _ = conn.Close() })
	bearer := &gqlSocket{t: t, c: conn}
	bearer.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + env.token}})
	if m := bearer.read(); m.Type != "connection_ack" {
		t.Fatalf("bearer init beside a dead cookie: %s %s", m.Type, m.Payload)
	}
}

// Revoking the token a session was opened with kills the session on its
// next request and closes the sockets opened with it at once.
func TestRevokedTokenEndsItsSessionAndSockets(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "sesrev")
	secret, id := env.newToken(t, tn.tokens[member.RoleOWNER], "console")
	c := signIn(t, env.srv.URL, nil, secret)
	ws := c.socket(c.csrf)
	if m := ws.read(); m.Type != "connection_ack" {
		t.Fatalf("got %s", m.Type)
	}
	ws.subscribeWS("live", `subscription { changes { `+changeFields+` } }`, nil)
	eventuallySubscribed(t, env)

	env.as(secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": id})
	if code, reason, _ := ws.untilClosed(); code != 4403 || !strings.Contains(reason, "revoked") {
		t.Fatalf("socket closed %d %q; want 4403 naming the revocation", code, reason)
	}
	if r := c.query(`{ me { name } }`, c.csrf); r.status != 401 || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("the session of a revoked token: %d %s", r.status, r.raw)
	}
	if res, _ := c.call(http.MethodGet, "/auth/session"); res.StatusCode != 401 {
		t.Fatalf("GET /auth/session of a revoked token: %d", res.StatusCode)
	}
}

// A session slides forward with use; an expired one answers 401; a
// session never outlives its token.
func TestExpiredSession(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.SessionTTL = 2 * time.Hour })
	c := signIn(t, env.srv.URL, nil, env.token)
	if left := time.Until(env.db.Client.Session.Query().OnlyX(system()).ExpiresAt); left < time.Hour+59*time.Minute || left > 2*time.Hour {
		t.Fatalf("a new session expires in %s; want --session-ttl", left)
	}
	env.db.Client.Session.Update().SetExpiresAt(time.Now().Add(10 * time.Minute)).ExecX(system())
	if r := c.query(`{ me { name } }`, c.csrf); len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	if left := time.Until(env.db.Client.Session.Query().OnlyX(system()).ExpiresAt); left < time.Hour+59*time.Minute {
		t.Fatalf("a used session expires in %s; it should slide to the TTL", left)
	}
	env.db.Client.Session.Update().SetExpiresAt(time.Now().Add(-time.Second)).ExecX(system())
	if r := c.query(`{ me { name } }`, c.csrf); r.status != 401 || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("an expired session: %d %s", r.status, r.raw)
	}
	if res, _ := c.call(http.MethodGet, "/auth/session"); res.StatusCode != 401 {
		t.Fatalf("GET /auth/session: %d", res.StatusCode)
	}

	var short struct{ Secret string }
	env.do(t, `mutation { createToken(input: {name: "short", expiresIn: "1h"}) { secret } }`, nil).field(t, "createToken", &short)
	signIn(t, env.srv.URL, nil, short.Secret)
	row := env.db.Client.Session.Query().Order(session.ByCreatedAt()).AllX(system())
	if exp := row[len(row)-1].ExpiresAt; time.Until(exp) > time.Hour+time.Minute {
		t.Fatalf("a session of a 1h token expires in %s", time.Until(exp))
	}
}

// Signing out on one replica closes the session's sockets on another and
// refuses its cookie there (PostgreSQL: replicas share the database and
// hear each other's identity events).
func TestSignOutReachesOtherReplicas(t *testing.T) {
	url, err := pg.CreateDatabase(t.Context(), "signout")
	if err != nil {
		t.Fatal(err)
	}
	a := newEnvWith(t, url, func(c *Config) { c.Replica = "a" })
	b := newEnvWith(t, url, func(c *Config) { c.Replica = "b" })
	onA := signIn(t, a.srv.URL, nil, a.token)
	onB := *onA
	onB.base = b.srv.URL
	ws := onB.socket(onB.csrf)
	if m := ws.read(); m.Type != "connection_ack" {
		t.Fatalf("got %s", m.Type)
	}
	if r := onB.query(`{ me { name } }`, onB.csrf); len(r.Errors) > 0 {
		t.Fatalf("the session on replica b: %s", r.raw)
	}
	if res, body := onA.call(http.MethodDelete, "/auth/session", CSRFHeader, onA.csrf); res.StatusCode != 204 {
		t.Fatalf("sign-out on a: %d %s", res.StatusCode, body)
	}
	// Well within the 30 s identity sweep: the event itself closes it.
	if code, reason, _ := ws.closedWithin(10 * time.Second); code != 4403 || !strings.Contains(reason, "signed out") {
		t.Fatalf("b's socket closed %d %q; want 4403 signed out", code, reason)
	}
	if r := onB.query(`{ me { name } }`, onB.csrf); r.status != 401 {
		t.Fatalf("b still takes the cookie: %d %s", r.status, r.raw)
	}
}

var fakeConsoleBuild = fstest.MapFS{
	"index.html":             {Data: []byte(`<!doctype html><script type="module" src="/assets/index-4f2a9c.js"></script><div id="root"></div>`)},
	"assets/index-4f2a9c.js": {Data: []byte(strings.Repeat("console.log('bcs console');\n", 100))},
}

// The console at / and its deep links, its hashed assets, and GraphiQL at
// /graphiql, through the real server's routes.
func TestConsoleRoutes(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ConsoleAssets = fakeConsoleBuild })
	index := string(fakeConsoleBuild["index.html"].Data)
	for _, p := range []string{"/", "/projects/prj_x/workloads", "/clusters/cls_1/nodes"} {
		res, body := authCall(t, nil, http.MethodGet, env.srv.URL+p, "")
		if res.StatusCode != 200 || body != index || res.Header.Get("Cache-Control") != "no-cache" ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self';") {
			t.Fatalf("%s: %d %v %q", p, res.StatusCode, res.Header, body)
		}
	}
	// The Go client asks for gzip itself unless told; ask explicitly and read raw.
	req, _ := http.NewRequest(http.MethodGet, env.srv.URL+"/assets/index-4f2a9c.js", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("asset headers %v", res.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, fakeConsoleBuild["assets/index-4f2a9c.js"].Data) {
		t.Fatal("the gzip body is not the asset")
	}
	for _, p := range []string{"/assets/index-0ld.js", "/auth/other", "/agent/v1/nope"} {
		if res, _ := authCall(t, nil, http.MethodGet, env.srv.URL+p, ""); res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
	res, body := authCall(t, nil, http.MethodGet, env.srv.URL+"/graphiql", "")
	if res.StatusCode != 200 || !strings.Contains(body, "GraphiQL") || strings.Contains(body, "bcs console") {
		t.Fatalf("/graphiql: %d %.200s", res.StatusCode, body)
	}
	// Health and the API keep their own routes.
	if res, _ := authCall(t, nil, http.MethodGet, env.srv.URL+"/healthz", ""); res.StatusCode != 200 {
		t.Fatalf("/healthz: %d", res.StatusCode)
	}
}

// A sign-out no event announced (the row revoked straight in the database,
// as when a replica's notification is lost) still closes the session's
// sockets at the next identity sweep; ended sessions are purged later.
func TestSessionSweepAndPurge(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	c := signIn(t, env.srv.URL, nil, env.token)
	ws := c.socket(c.csrf)
	if m := ws.read(); m.Type != "connection_ack" {
		t.Fatalf("got %s", m.Type)
	}
	env.db.Client.Session.Update().SetRevokedAt(time.Now().Add(-48 * time.Hour)).ExecX(system())
	env.server.authn.Sweep(system())
	if code, reason, _ := ws.untilClosed(); code != 4403 || !strings.Contains(reason, "signed out") {
		t.Fatalf("closed %d %q; want 4403 signed out", code, reason)
	}
	signIn(t, env.srv.URL, nil, env.token) // a live one stays
	n, err := env.server.sessions.Purge(system(), time.Now().Add(-24*time.Hour))
	if err != nil || n != 1 || env.db.Client.Session.Query().CountX(system()) != 1 {
		t.Fatalf("purged %d (%v); %d left", n, err, env.db.Client.Session.Query().CountX(system()))
	}
}

// BenchmarkConsoleQuery is what the session costs a console request over a
// bearer token: one indexed read of the session row (the token's viewer
// is cached either way).
func BenchmarkConsoleQuery(b *testing.B) {
	env := newEnv(b, "sqlite://"+b.TempDir()+"/bcs.db")
	body := `{"query":"{ me { name } }"}`
	res, _ := http.Post(env.srv.URL+"/auth/session", "application/json", strings.NewReader(`{"token":"`+env.token+`"}`))
	_ = res.Body.Close()
	ck := sessionCookieOf(res)
	var s sessionBody
	for _, mode := range []string{"bearer", "session"} {
		b.Run(mode, func(b *testing.B) {
			if mode == "session" {
				req, _ := http.NewRequest(http.MethodGet, env.srv.URL+"/auth/session", nil)
				req.AddCookie(ck)
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_ = json.NewDecoder(r.Body).Decode(&s)
				_ = r.Body.Close()
			}
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/query", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if mode == "bearer" {
					req.Header.Set("Authorization", "Bearer "+env.token)
				} else {
					req.AddCookie(ck)
					req.Header.Set(CSRFHeader, s.CSRFToken)
				}
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, r.Body)
				_ = r.Body.Close()
				if r.StatusCode != 200 {
					b.Fatalf("status %d", r.StatusCode)
				}
			}
		})
	}
}

// One token keeps at most MaxPerToken live sessions: the next sign-in ends
// the oldest, and a socket opened with it closes.
func TestSessionsPerTokenBounded(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	env.server.sessions.MaxPerToken = 2
	first := signIn(t, env.srv.URL, nil, env.token)
	ws := first.socket(first.csrf)
	if m := ws.read(); m.Type != "connection_ack" {
		t.Fatalf("got %s", m.Type)
	}
	second := signIn(t, env.srv.URL, nil, env.token)
	if r := first.query(`{ me { name } }`, first.csrf); r.status != 200 {
		t.Fatalf("the first session ended before the cap was passed: %d %s", r.status, r.raw)
	}
	third := signIn(t, env.srv.URL, nil, env.token)
	if code, _, _ := ws.untilClosed(); code == 0 {
		t.Fatal("the oldest session's socket stayed open")
	}
	if r := first.query(`{ me { name } }`, first.csrf); r.status != 401 || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("the oldest session outlived the cap: %d %s", r.status, r.raw)
	}
	for _, c := range []*console{second, third} {
		if r := c.query(`{ me { name } }`, c.csrf); r.status != 200 {
			t.Fatalf("a newer session ended: %d %s", r.status, r.raw)
		}
	}
	if n := env.db.Client.Session.Query().Where(session.RevokedAtIsNil()).CountX(system()); n != 2 {
		t.Fatalf("%d live sessions; want 2", n)
	}
}
