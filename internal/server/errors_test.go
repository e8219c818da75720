package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestBadRequestsAreTypedAndWriteNothing(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
	}{
		{"malformed JSON", "application/json", `{"query": "mutation {`, http.StatusBadRequest},
		{"not an object", "application/json", `[1,2]`, http.StatusBadRequest},
		{"variables not an object", "application/json", `{"query":"{ projects { totalCount } }","variables":"x"}`, http.StatusBadRequest},
		{"missing query", "application/json", `{"variables":{}}`, http.StatusBadRequest},
		{"wrong content type", "text/plain", `{"query":"{ __typename }"}`, http.StatusUnsupportedMediaType},
		{"body over limit", "application/json", `{"query":"` + strings.Repeat(" ", 1<<20+1) + `{ __typename }"}`, http.StatusRequestEntityTooLarge},
		{"unknown field", "application/json", `{"query":"{ projects { nope } }"}`, http.StatusOK},
		{"wrong variable type", "application/json", `{"query":"query($n: Int) { projects(first: $n) { totalCount } }","variables":{"n":"ten"}}`, http.StatusOK},
		{"unknown operation", "application/json", `{"query":"query A { __typename }","operationName":"B"}`, http.StatusOK},
		{"invalid global ID", "application/json", `{"query":"{ project(id: \"nope\") { id } }"}`, http.StatusOK},
		{"mutation with invalid id", "application/json", `{"query":"mutation { deleteProject(id: \"cls_x\") { deletedID } }"}`, http.StatusOK},
		{"too deep", "application/json", `{"query":"{ projects { edges { node { clusters { edges { node { project { clusters { edges { node { project { clusters { edges { node { project { name } } } } } } } } } } } } } } } }"}`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := env.post(t, tc.contentType, tc.body, nil)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.raw)
			}
			if res.code() != "BAD_USER_INPUT" {
				t.Fatalf("code %q: %s", res.code(), res.raw)
			}
		})
	}
	var conn struct{ TotalCount int }
	env.do(t, `{ projects { totalCount } }`, nil).field(t, "projects", &conn)
	if conn.TotalCount != 0 {
		t.Fatalf("bad requests wrote %d projects", conn.TotalCount)
	}
}

func TestGraphQLResponseMediaTypeOmitsDataOnRequestErrors(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	h := http.Header{"Accept": {"application/graphql-response+json"}}
	res := env.post(t, "application/json", `{"query":"{ nope }"}`, h)
	if res.status != http.StatusBadRequest || strings.Contains(res.raw, `"data"`) {
		t.Fatalf("status %d body %s", res.status, res.raw)
	}
	res = env.post(t, "application/json", `{"query":"{ __typename }"}`, h)
	if res.status != http.StatusOK || !strings.Contains(res.raw, `"Query"`) {
		t.Fatalf("status %d body %s", res.status, res.raw)
	}
}

func TestGetRunsQueriesButNeverMutations(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	req, _ := http.NewRequest(http.MethodGet, env.srv.URL+`/query?query=mutation{createProject(input:{name:"x1",code:"xone"}){id}}`, nil)
	req.Header.Set("Authorization", "Bearer "+env.token)
	res := env.send(t, req)
	if res.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET mutation: %d %s", res.status, res.raw)
	}
	req, _ = http.NewRequest(http.MethodGet, env.srv.URL+`/query?query={projects{totalCount}}`, nil)
	req.Header.Set("Authorization", "Bearer "+env.token)
	var conn struct{ TotalCount int }
	env.send(t, req).field(t, "projects", &conn)
	if conn.TotalCount != 0 {
		t.Fatalf("GET mutation wrote: %d", conn.TotalCount)
	}
}

func TestInternalErrorsHideDetailsAndCarryRequestID(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	env.db.SQL.Close() // every query now fails inside the driver
	res := env.post(t, "application/json", `{"query":"{ projects { totalCount } }"}`, http.Header{"X-Request-Id": {"req-12345678"}})
	if res.code() != "INTERNAL" || res.Errors[0].Extensions["requestId"] != "req-12345678" {
		t.Fatalf("got %s", res.raw)
	}
	if strings.Contains(res.raw, "sql") || strings.Contains(res.raw, "closed") {
		t.Fatalf("internal detail leaked: %s", res.raw)
	}
	if !strings.Contains(env.logs.String(), "req-12345678") {
		t.Fatalf("internal error not logged with request id: %s", env.logs.String())
	}
}

func TestMetricsCountOperationsAndErrors(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	env.post(t, "application/json", `{"query":"query ListProjects { projects { totalCount } }"}`, nil)
	env.post(t, "application/json", `{"query":"{ nope }"}`, nil)
	res, err := http.Get(env.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	for _, want := range []string{
		`bcs_graphql_requests_total{operation="ListProjects",type="query"} 1`,
		`bcs_graphql_errors_total{code="BAD_USER_INPUT"} 1`,
		`bcs_graphql_request_duration_seconds_bucket{operation="ListProjects"`,
		`bcs_changelog_changes_total`,
		`bcs_changelog_event_latency_seconds_bucket{le="0.005"}`,
		`bcs_changelog_commit_seconds_count`,
		`bcs_subscribers 0`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(env.srv.URL + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %v %v", path, res.StatusCode, err)
		}
		res.Body.Close()
	}
	env.db.SQL.Close()
	res, err := http.Get(env.srv.URL + "/readyz")
	if err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
}
