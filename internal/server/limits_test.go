package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/querylimit/querylimittest"
)

// nestedDocument is about size bytes of fragments, each nesting the next
// one level deeper and spreading it twice.
func nestedDocument(size int) string {
	var b strings.Builder
	b.WriteString("query { projects(first: 1) { edges { node { ...N0 } } } }\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "fragment N%d on Project { id members { edges { node { project { ...N%d ...N%d } } } } }\n", i, i+1, i+1)
	}
	return b.String()
}

// outsider is a signed-in user with no project.
func outsider(t testing.TB, env *testEnv, name string) string {
	t.Helper()
	tok, err := auth.Bootstrap(system(), env.db.Client, name, false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// limitRefusal asserts a typed refusal naming the limit.
func limitRefusal(t testing.TB, r *gqlResponse, limit string) {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("accepted; want a %s refusal: %.300s", limit, r.raw)
	}
	ext := r.Errors[0].Extensions
	if r.code() != "BAD_USER_INPUT" || ext["reason"] != "QUERY_LIMIT_EXCEEDED" || ext["limit"] != limit {
		t.Fatalf("got %.400s; want BAD_USER_INPUT, reason QUERY_LIMIT_EXCEEDED, limit %s", r.raw, limit)
	}
}

// metricValue reads one sample from /metrics (0 when absent).
func metricValue(t testing.TB, env *testEnv, series string) float64 {
	t.Helper()
	for _, line := range scrape(t, env) {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

func scrape(t testing.TB, env *testEnv) []string {
	t.Helper()
	res, err := http.Get(env.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return strings.Split(string(b), "\n")
}

func refusals(t testing.TB, env *testEnv, limit string) float64 {
	t.Helper()
	return metricValue(t, env, `bcs_limit_refusals_total{limit="`+limit+`"}`)
}

// withClientTimeout bounds a request that today's main would let run for
// ever (the doubling document pins a core), so the test fails instead.
func withClientTimeout(t *testing.T) {
	old := http.DefaultClient.Timeout
	http.DefaultClient.Timeout = 30 * time.Second
	t.Cleanup(func() { http.DefaultClient.Timeout = old })
}

// TestDoublingFragmentsAreRefusedBeforeValidation: issue 11's documents
// (2^20 and 2^40 leaves) are refused by the document guard, over HTTP and
// over a websocket, as an outsider; so is a document of ~1 MiB of nested
// fragments that fits the body limit.
func TestDoublingFragmentsAreRefusedBeforeValidation(t *testing.T) {
	withClientTimeout(t)
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	out := env.as(outsider(t, env, "mallory"))
	for _, n := range []int{20, 40} {
		limitRefusal(t, out.do(t, querylimittest.Doubling(n), nil), "documentNodes")
	}
	big := nestedDocument(1_000_000) // the body, with its JSON, stays under 1 MiB
	limitRefusal(t, out.do(t, big, nil), "documentBytes")
	if got := refusals(t, env, "documentNodes"); got != 2 {
		t.Fatalf("bcs_limit_refusals_total{limit=documentNodes} = %v, want 2", got)
	}

	// Raised size and token limits leave the node count to refuse it.
	roomy := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.MaxDocumentBytes, c.MaxDocumentTokens = 2<<20, 1<<20
	})
	limitRefusal(t, roomy.as(outsider(t, roomy, "mallory")).do(t, big, nil), "documentNodes")

	s := env.dialGraphQL(t, outsider(t, env, "eve"))
	s.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": querylimittest.Doubling(40)}})
	m := s.read()
	if m.Type != "error" || !strings.Contains(string(m.Payload), `"documentNodes"`) {
		t.Fatalf("websocket: got %s %s; want an error naming documentNodes", m.Type, m.Payload)
	}
}

// TestSameNamedFieldsAreRefusedBeforeValidation: 2,000 fields with one
// response name cost gqlparser's overlapping-fields rule half a second
// (quadratic); the merge count refuses them first. GraphiQL's
// introspection query, with the same default limits, passes.
func TestSameNamedFieldsAreRefusedBeforeValidation(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	out := env.as(outsider(t, env, "mallory"))
	limitRefusal(t, out.do(t, "{"+strings.Repeat(" __typename", 1999)+" }", nil), "documentMerges")
	limitRefusal(t, out.do(t, "{"+strings.Repeat(" p: projects(first: 1) { totalCount }", 600)+" }", nil), "documentMerges")
	if r := out.do(t, introspection.Query, nil); len(r.Errors) > 0 {
		t.Fatalf("introspection refused: %.300s", r.raw)
	}
}

// TestComplexityCountsPages: a connection's children count first/last
// times (the default page size without either), so nested pages multiply.
func TestComplexityCountsPages(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.MaxComplexity, c.DefaultPageSize = DefaultLimits.MaxComplexity, 20
	})
	viewer := env.as(env.newTenant(t, "acme").tokens[member.RoleVIEWER])
	nested := `query($n: Int, $m: Int) { projects(first: $n) { edges { node { id members(first: $m) { edges { node { role } } } } } } }`
	// 1 + 600 × (edges 1 + node 1 + id 1 + members (1 + 20 × 3)) = 38,401
	limitRefusal(t, viewer.do(t, nested, map[string]any{"n": 600, "m": 20}), "complexity")
	if r := viewer.do(t, nested, map[string]any{"n": 10, "m": 20}); len(r.Errors) > 0 {
		t.Fatalf("a page of 10 × 20 refused: %s", r.raw)
	}
	// Without first, members counts the default page size (20):
	// 1 + 400 × (3 + 1 + 20 × 3) = 25,601.
	limitRefusal(t, viewer.do(t, `{ projects(first: 400) { edges { node { id members { edges { node { role } } } } } } }`, nil), "complexity")
	if got := refusals(t, env, "complexity"); got != 2 {
		t.Fatalf("bcs_limit_refusals_total{limit=complexity} = %v, want 2", got)
	}
}

// TestPageSizeIsCapped: first or last above the maximum page size is
// BAD_USER_INPUT naming the argument, in literals, variables and fragments.
func TestPageSizeIsCapped(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	out := env.as(outsider(t, env, "mallory"))
	for _, tc := range []struct {
		query string
		vars  map[string]any
		field string
	}{
		{`{ projects(first: 5000) { totalCount } }`, nil, "first"},
		{`query($n: Int) { projects(last: $n) { totalCount } }`, map[string]any{"n": 1001}, "last"},
		{`{ ...P } fragment P on Query { projects(first: 1) { edges { node { members(first: 100000) { totalCount } } } } }`, nil, "first"},
	} {
		r := out.do(t, tc.query, tc.vars)
		limitRefusal(t, r, "pageSize")
		if r.Errors[0].Extensions["field"] != tc.field {
			t.Fatalf("%s: %s; want field %s", tc.query, r.raw, tc.field)
		}
	}
	if r := out.do(t, `{ projects(first: 1000) { totalCount } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("the maximum page refused: %s", r.raw)
	}
}

// TestWebsocketOperationsTakeFromTheRateLimit: each operation on a socket
// costs a request of the token's bucket, as HTTP requests do.
func TestWebsocketOperationsTakeFromTheRateLimit(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.RatePerSecond, c.RateBurst = 0.001, 3 // no refill within the test
	})
	viewer := outsider(t, env, "mallory") // the admin's bucket would go on seeding a tenant
	s := env.dialGraphQL(t, viewer)
	for i := range 3 {
		id := strconv.Itoa(i)
		s.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": "{ __typename }"}})
		if m := s.read(); m.Type != "next" || m.ID != id {
			t.Fatalf("operation %d: got %s %s", i, m.Type, m.Payload)
		}
		if m := s.read(); m.Type != "complete" {
			t.Fatalf("operation %d: got %s %s", i, m.Type, m.Payload)
		}
	}
	s.send(map[string]any{"id": "over", "type": "subscribe", "payload": map[string]any{"query": "{ __typename }"}})
	m := s.read()
	if m.Type != "error" || m.ID != "over" || !strings.Contains(string(m.Payload), `"RATE_LIMITED"`) {
		t.Fatalf("fourth operation: got %s %s; want RATE_LIMITED", m.Type, m.Payload)
	}
	// The bucket is the token's: HTTP is refused too.
	if r := env.as(viewer).do(t, "{ __typename }", nil); r.status != http.StatusTooManyRequests {
		t.Fatalf("HTTP after the socket drained the bucket: %d %s", r.status, r.raw)
	}
	if got := refusals(t, env, "rate"); got != 2 {
		t.Fatalf("bcs_limit_refusals_total{limit=rate} = %v, want 2", got)
	}
}

// TestOperationsPerConnectionAreCapped: a socket runs at most N operations
// at once; completing one makes room.
func TestOperationsPerConnectionAreCapped(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.MaxOperationsPerConnection = 2 })
	viewer := env.newTenant(t, "acme").tokens[member.RoleVIEWER]
	s := env.dialGraphQL(t, viewer)
	sub := func(id string) {
		s.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": "subscription { changes { revision } }"}})
	}
	sub("a")
	sub("b")
	sub("c")
	m := s.readSkippingPings()
	if m.Type != "error" || m.ID != "c" || !strings.Contains(string(m.Payload), `"operationsPerConnection"`) {
		t.Fatalf("third subscription: got %s %s; want a refusal", m.Type, m.Payload)
	}
	// A complete is handled before the next message is read: d fits, e not.
	s.send(map[string]any{"id": "a", "type": "complete"})
	sub("d")
	sub("e")
	if m := s.readSkippingPings(); m.Type != "error" || m.ID != "e" {
		t.Fatalf("after completing one: got %s id=%s %s; want e refused", m.Type, m.ID, m.Payload)
	}
	if got := refusals(t, env, "operationsPerConnection"); got != 2 {
		t.Fatalf("bcs_limit_refusals_total{limit=operationsPerConnection} = %v, want 2", got)
	}
}

func (s *gqlSocket) readSkippingPings() socketMsg {
	s.t.Helper()
	for {
		if m := s.read(); m.Type != "ping" {
			return m
		}
	}
}

// TestWebsocketsPerTokenAreCapped: past the cap a token's connection_init
// closes with 1013 Try Again Later; another token is unaffected, and a
// closed socket frees its slot.
func TestWebsocketsPerTokenAreCapped(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.MaxConnectionsPerToken = 2 })
	tn := env.newTenant(t, "acme")
	viewer := tn.tokens[member.RoleVIEWER]
	first := env.dialGraphQL(t, viewer)
	env.dialGraphQL(t, viewer)

	over := env.dialRaw(t)
	over.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + viewer}})
	_ = over.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, _, err := over.c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater {
		t.Fatalf("third connection: %v; want close 1013", err)
	}
	env.dialGraphQL(t, tn.tokens[member.RoleDEVELOPER]) // another token

	_ = first.c.Close()
	eventually(t, "the closed socket's slot", func() bool {
		s := env.dialRaw(t)
		defer s.c.Close()
		s.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + viewer}})
		_ = s.c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var m socketMsg
		return s.c.ReadJSON(&m) == nil && m.Type == "connection_ack"
	})
	if got := refusals(t, env, "connectionsPerToken"); got < 1 {
		t.Fatalf("bcs_limit_refusals_total{limit=connectionsPerToken} = %v", got)
	}
}

// dialRaw opens a graphql-transport-ws socket without initialising it.
func (e *testEnv) dialRaw(t *testing.T) *gqlSocket {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	c, res, err := d.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/query", http.Header{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = res.Body.Close()
	t.Cleanup(func() { _ = c.Close() })
	return &gqlSocket{t: t, c: c}
}

// TestSSEStreamsPerTokenAreCapped: past the cap a token's next stream is
// 429 RATE_LIMITED; another token still streams.
func TestSSEStreamsPerTokenAreCapped(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.MaxStreamsPerToken = 1 })
	tn := env.newTenant(t, "acme")
	viewer := env.as(tn.tokens[member.RoleVIEWER])
	viewer.subscribe(t, "subscription { changes { revision } }", nil) // holds the token's one stream

	body := `{"query":"subscription { changes { revision } }"}`
	r := viewer.post(t, "application/json", body, http.Header{"Accept": {"text/event-stream"}})
	if r.status != http.StatusTooManyRequests || r.code() != "RATE_LIMITED" || r.Errors[0].Extensions["limit"] != "streamsPerToken" {
		t.Fatalf("second stream: %d %s; want 429 RATE_LIMITED", r.status, r.raw)
	}
	if got := refusals(t, env, "streamsPerToken"); got != 1 {
		t.Fatalf("bcs_limit_refusals_total{limit=streamsPerToken} = %v, want 1", got)
	}
	// Another token's stream opens: the answer is an event stream.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.srv.URL+"/query", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tn.tokens[member.RoleDEVELOPER])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("another token's stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestSlowBodyIsCutOffByReadTimeout: a client that sends headers and then
// trickles (here: stops sending) its body loses the connection at the read
// timeout, and the cut-off is counted.
func TestSlowBodyIsCutOffByReadTimeout(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ReadTimeout = 300 * time.Millisecond })
	viewer := env.newTenant(t, "acme").tokens[member.RoleVIEWER]
	hs := env.server.HTTPServer()
	if hs.ReadTimeout != 300*time.Millisecond || hs.ReadHeaderTimeout <= 0 || hs.IdleTimeout <= 0 {
		t.Fatalf("http.Server timeouts: header %v, read %v, idle %v", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.IdleTimeout)
	}
	srv := httptest.NewUnstartedServer(hs.Handler)
	srv.Config = hs
	srv.Start()
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /query HTTP/1.1\r\nHost: bcs\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: 1000\r\n\r\n{\"query\":", viewer)
	// The server must end the exchange long before this deadline.
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = io.Copy(io.Discard, bufio.NewReader(conn))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the server still held the connection after 30 s")
	}
	eventually(t, "the cut-off counted", func() bool { return refusals(t, env, "readTimeout") == 1 })

	// A websocket and a long SSE stream outlive the read timeout: the
	// socket sets its own deadlines, and net/http clears the read deadline
	// once a request's body is read.
	ws := (&testEnv{srv: srv}).dialGraphQL(t, viewer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/query", strings.NewReader(`{"query":"subscription { changes { revision } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+viewer)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	streamEnded := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, res.Body); streamEnded <- err }()
	select {
	case err := <-streamEnded:
		t.Fatalf("the stream ended at the read timeout: %v", err)
	case <-time.After(3 * time.Second): // ten read timeouts
	}
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "{ __typename }"}})
	if m := ws.readSkippingPings(); m.Type != "next" {
		t.Fatalf("websocket after ten read timeouts: got %s %s", m.Type, m.Payload)
	}
}

// TestMetricLabelsAreBounded: 500 client-chosen operation names add at most
// MaxMetricOperations label values (the rest are "other"); names the
// operator listed stay labelled whatever came first.
func TestMetricLabelsAreBounded(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) {
		c.MaxMetricOperations, c.MetricOperations = 20, []string{"ConsoleProjects"}
	})
	out := env.as(outsider(t, env, "mallory"))
	for i := range 500 {
		if r := out.do(t, fmt.Sprintf("query Rand%d { __typename }", i), nil); len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
	}
	if r := out.do(t, "query ConsoleProjects { __typename }", nil); len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	names := map[string]bool{}
	label := regexp.MustCompile(`^bcs_graphql_requests_total\{operation="([^"]*)"`)
	for _, line := range scrape(t, env) {
		if m := label.FindStringSubmatch(line); m != nil {
			names[m[1]] = true
		}
	}
	if len(names) > 20+2 || !names["other"] || !names["ConsoleProjects"] {
		t.Fatalf("%d operation labels (want at most 22 with \"other\" and ConsoleProjects): %v", len(names), names)
	}
}

// TestQueriesOverSocketsGetTheQueryTimeout: the executor gives a query or
// mutation without a deadline (websocket, SSE) the query timeout, and
// leaves subscriptions and HTTP requests (which have theirs) alone.
func TestQueriesOverSocketsGetTheQueryTimeout(t *testing.T) {
	ext := operationTimeout(time.Minute)
	for _, tc := range []struct {
		op           ast.Operation
		httpDeadline bool
		want         bool
	}{{ast.Query, false, true}, {ast.Mutation, false, true}, {ast.Subscription, false, false}, {ast.Query, true, false}} {
		ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: tc.op}})
		var cancel context.CancelFunc = func() {}
		if tc.httpDeadline {
			ctx, cancel = context.WithTimeout(ctx, time.Hour)
		}
		var got time.Time
		h := ext.InterceptOperation(ctx, func(context.Context) graphql.ResponseHandler {
			return func(ctx context.Context) *graphql.Response {
				got, _ = ctx.Deadline()
				return nil
			}
		})
		h(ctx)
		cancel()
		hasMinute := !got.IsZero() && time.Until(got) < 2*time.Minute && time.Until(got) > 0
		if hasMinute != tc.want {
			t.Errorf("%s (HTTP deadline %v): deadline %v, want the query timeout: %v", tc.op, tc.httpDeadline, got, tc.want)
		}
	}
}

// TestConnectionsWithoutFirstGetTheDefaultPage: a bare connection returns
// the default page, not the whole table, and says there is more; paging
// backwards from a cursor takes the page before it.
func TestConnectionsWithoutFirstGetTheDefaultPage(t *testing.T) {
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.DefaultPageSize = 2 })
	owner := env.as(outsider(t, env, "olive"))
	for _, code := range []string{"p1", "p2", "p3"} {
		owner.createProject(t, code, code)
	}
	type page struct {
		TotalCount int
		Edges      []struct{ Cursor string }
		PageInfo   struct{ HasNextPage, HasPreviousPage bool }
	}
	var got page
	owner.do(t, `{ projects { totalCount edges { cursor } pageInfo { hasNextPage hasPreviousPage } } }`, nil).field(t, "projects", &got)
	if got.TotalCount != 3 || len(got.Edges) != 2 || !got.PageInfo.HasNextPage {
		t.Fatalf("bare projects: %+v, want 2 of 3 edges and a next page", got)
	}
	var all page
	owner.do(t, `{ projects(first: 3) { totalCount edges { cursor } } }`, nil).field(t, "projects", &all)
	var back page
	owner.do(t, `query($c: Cursor) { projects(before: $c) { edges { cursor } pageInfo { hasNextPage hasPreviousPage } } }`,
		map[string]any{"c": all.Edges[2].Cursor}).field(t, "projects", &back)
	if len(back.Edges) != 2 || back.Edges[1].Cursor != all.Edges[1].Cursor {
		t.Fatalf("projects(before: third) = %+v, want the two before it", back)
	}
	if r := owner.do(t, `{ projects(first: 3) { edges { node { id } } } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("an explicit first is not cut to the default: %s", r.raw)
	}
}
