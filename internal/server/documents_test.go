package server

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/internal/auth"
)

func sqliteEnv(t *testing.T, configure func(*Config)) *testEnv {
	return newEnvWith(t, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"), configure)
}

// persisted posts a request carrying extensions.persistedQuery; query may
// be "". An env whose token is "" sends no Authorization header: an outsider.
func (e *testEnv) persisted(t *testing.T, query, hash string) *gqlResponse {
	t.Helper()
	body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	if query != "" {
		body["query"] = query
	}
	return e.post(t, "application/json", string(mustJSON(body)), e.outsiderHeader())
}

func (e *testEnv) outsiderHeader() http.Header {
	if e.token == "" {
		return http.Header{"Authorization": nil}
	}
	return nil
}

func (r *gqlResponse) reason() string {
	if len(r.Errors) == 0 {
		return ""
	}
	s, _ := r.Errors[0].Extensions["reason"].(string)
	return s
}

// viewerAndRevoked makes a project viewer's token and a revoked token.
func (e *testEnv) viewerAndRevoked(t *testing.T) (viewer, revoked string) {
	t.Helper()
	p := e.createProject(t, "Docs", "docs")
	e.do(t, `mutation($p: ID!) { addMember(projectID: $p, userName: "vera", role: VIEWER) { id } }`, map[string]any{"p": p.ID})
	viewer, err := auth.Bootstrap(system(), e.db.Client, "vera", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	e.as(viewer).do(t, `mutation { createToken(input: {name: "gone"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	e.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})
	return viewer, created.Secret
}

// documentCacheLookups reads bcs_graphql_document_cache_lookups_total{result}.
func (e *testEnv) documentCacheLookups(t *testing.T, result string) int {
	t.Helper()
	res, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	prefix := `bcs_graphql_document_cache_lookups_total{result="` + result + `"} `
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	return 0
}

// TestRepeatedDocumentSkipsParsing: the second time a document arrives (as
// text, or by its APQ hash) it comes parsed and validated from the cache.
func TestRepeatedDocumentSkipsParsing(t *testing.T) {
	env := sqliteEnv(t, nil)
	q := `query RepeatMe { me { name } }`
	hits, misses := env.documentCacheLookups(t, "hit"), env.documentCacheLookups(t, "miss")
	if res := env.do(t, q, nil); len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	if got := env.documentCacheLookups(t, "miss"); got != misses+1 {
		t.Fatalf("first sight of a document: %d misses, want %d", got, misses+1)
	}
	if res := env.do(t, q, nil); len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	if res := env.persisted(t, q, documentHash(q)); len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	if res := env.persisted(t, "", documentHash(q)); len(res.Errors) > 0 || !strings.Contains(res.raw, `"admin"`) {
		t.Fatalf("APQ by hash: %s", res.raw)
	}
	if got := env.documentCacheLookups(t, "hit"); got != hits+3 {
		t.Fatalf("repeated document parsed again: %d cache hits, want %d", got, hits+3)
	}
	if got := env.documentCacheLookups(t, "miss"); got != misses+1 {
		t.Fatalf("repeated document missed the cache: %d misses, want %d", got, misses+1)
	}
}

// TestAutomaticPersistedQueries follows Apollo's protocol: an unknown hash
// answers PERSISTED_QUERY_NOT_FOUND, hash and document register it, the hash
// alone then runs it under the caller's own identity.
func TestAutomaticPersistedQueries(t *testing.T) {
	env := sqliteEnv(t, func(c *Config) { c.PublicIntrospection = true })
	viewer, revoked := env.viewerAndRevoked(t)
	q := `{ projects { totalCount } }`
	h := documentHash(q)

	if res := env.as(viewer).persisted(t, "", h); res.code() != string(PersistedQueryNotFound) || res.Errors[0].Message != "PersistedQueryNotFound" {
		t.Fatalf("unknown hash: %s", res.raw)
	}
	if res := env.as(viewer).persisted(t, q, documentHash("something else")); res.code() != "BAD_USER_INPUT" {
		t.Fatalf("mismatched hash: %s", res.raw)
	}
	if res := env.as(viewer).persisted(t, q, "abc"); res.code() != "BAD_USER_INPUT" {
		t.Fatalf("malformed hash: %s", res.raw)
	}
	if res := env.as(viewer).persisted(t, q, h); len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	// The document is shared, the data is not: each caller sees its own projects.
	if res := env.as(viewer).persisted(t, "", h); !strings.Contains(res.raw, `"totalCount":1`) {
		t.Fatalf("viewer by hash: %s", res.raw)
	}
	env.createProject(t, "Other", "other")
	if res := env.persisted(t, "", h); !strings.Contains(res.raw, `"totalCount":2`) {
		t.Fatalf("admin by hash: %s", res.raw)
	}
	for name, tok := range map[string]string{"outsider": "", "revoked": revoked} {
		if res := env.as(tok).persisted(t, "", h); res.code() != "UNAUTHENTICATED" || (tok != "" && res.status != http.StatusUnauthorized) {
			t.Fatalf("%s by hash: %d %s", name, res.status, res.raw)
		}
	}
	// An anonymous caller (public introspection) may run introspection with
	// APQ but registers nothing.
	intro := `{ __schema { queryType { name } } }`
	if res := env.as("").persisted(t, intro, documentHash(intro)); len(res.Errors) > 0 {
		t.Fatalf("anonymous introspection: %s", res.raw)
	}
	if res := env.persisted(t, "", documentHash(intro)); res.code() != string(PersistedQueryNotFound) {
		t.Fatalf("an anonymous caller registered a document: %s", res.raw)
	}
}

// TestTrustedDocuments: with an allow-list only its documents run, by hash
// or by text, and every other document is refused before it is parsed.
func TestTrustedDocuments(t *testing.T) {
	me, projects := `query Me { me { name } }`, `{ projects { totalCount } }`
	trusted := TrustedDocuments{documentHash(me): me, documentHash(projects): projects}
	env := sqliteEnv(t, func(c *Config) { c.TrustedDocuments = trusted; c.PublicIntrospection = true })
	admin := env.token
	viewer, revoked := trustedSetup(t, env)

	if res := env.as(viewer).persisted(t, "", documentHash(me)); !strings.Contains(res.raw, `"vera"`) {
		t.Fatalf("viewer, trusted hash: %s", res.raw)
	}
	if res := env.as(viewer).do(t, projects, nil); !strings.Contains(res.raw, `"totalCount":1`) {
		t.Fatalf("viewer, trusted text: %s", res.raw)
	}
	if res := env.as(admin).persisted(t, "", documentHash(projects)); len(res.Errors) > 0 {
		t.Fatalf("admin, trusted hash: %s", res.raw)
	}
	for name, q := range map[string]string{
		"ad-hoc query":           `{ projects { totalCount edges { node { id } } } }`,
		"same text, reformatted": `{ projects { totalCount }}`,
		"introspection":          `{ __schema { queryType { name } } }`,
		"mutation":               `mutation { createToken(input: {name: "x"}) { secret } }`,
		"malformed":              `{ projects {`,
	} {
		res := env.as(viewer).do(t, q, nil)
		if res.code() != "FORBIDDEN" || res.reason() != "UNTRUSTED_DOCUMENT" {
			t.Fatalf("viewer, %s: %s", name, res.raw)
		}
		if res := env.as(viewer).persisted(t, q, documentHash(q)); res.code() != "FORBIDDEN" {
			t.Fatalf("viewer, %s with its hash (APQ registration): %s", name, res.raw)
		}
	}
	// Websockets go through the same gate.
	ws := env.dialGraphQL(t, viewer)
	ws.send(map[string]any{"id": "s", "type": "subscribe", "payload": map[string]any{"query": `subscription { changes { revision } }`}})
	for {
		m := ws.read()
		if m.Type == "ping" {
			continue
		}
		if m.Type != "error" || m.ID != "s" || !strings.Contains(string(m.Payload), "UNTRUSTED_DOCUMENT") {
			t.Fatalf("viewer, untrusted subscription over a websocket: %s %s", m.Type, m.Payload)
		}
		break
	}
	if res := env.as(viewer).persisted(t, "", documentHash("{ me { id } }")); res.code() != string(PersistedQueryNotFound) {
		t.Fatalf("viewer, unknown hash: %s", res.raw)
	}
	intro := string(mustJSON(map[string]string{"query": `{ __schema { queryType { name } } }`}))
	if res := env.post(t, "application/json", intro, http.Header{"Authorization": nil}); res.code() != "FORBIDDEN" {
		t.Fatalf("outsider, introspection under public introspection: %s", res.raw)
	}
	for name, tok := range map[string]string{"outsider": "", "revoked": revoked} {
		if res := env.as(tok).persisted(t, "", documentHash(me)); res.code() != "UNAUTHENTICATED" || (tok != "" && res.status != http.StatusUnauthorized) {
			t.Fatalf("%s, trusted hash: %d %s", name, res.status, res.raw)
		}
	}
}

// trustedSetup adds a viewer and a revoked token through storage, since the
// trusted server refuses the mutations that would do it.
func trustedSetup(t *testing.T, env *testEnv) (viewer, revoked string) {
	t.Helper()
	ctx := system()
	c := env.db.Client
	p := c.Project.Create().SetName("Docs").SetCode("docs").SaveX(ctx)
	vera := c.User.Create().SetName("vera").SaveX(ctx)
	c.Member.Create().SetProjectID(p.ID).SetUserID(vera.ID).SetRole("VIEWER").SaveX(ctx)
	viewer, err := auth.Bootstrap(ctx, c, "vera", false, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	revoked, tok, err := auth.IssueToken(ctx, c, vera.ID, "gone", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Token.UpdateOne(tok).SetRevokedAt(tok.CreatedAt).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return viewer, revoked
}

func TestLoadTrustedDocuments(t *testing.T) {
	q := `query Me { me { name } }`
	dir := t.TempDir()
	write := func(name string, v any) string {
		path := filepath.Join(dir, name)
		raw, _ := json.Marshal(v)
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for name, path := range map[string]string{
		"graphql-codegen": write("codegen.json", map[string]string{documentHash(q): q}),
		"apollo manifest": write("apollo.json", map[string]any{"format": "apollo-persisted-query-manifest", "version": 1,
			"operations": []map[string]string{{"id": documentHash(q), "name": "Me", "type": "query", "body": q}}}),
	} {
		docs, err := LoadTrustedDocuments(path)
		if err != nil || docs[documentHash(q)] != q || len(docs) != 1 {
			t.Fatalf("%s: %v %v", name, docs, err)
		}
	}
	for name, path := range map[string]string{
		"hash of another document": write("wrong.json", map[string]string{documentHash("{ x }"): q}),
		"empty":                    write("empty.json", map[string]string{}),
		"not JSON":                 write("bad.json", "nope"),
		"unknown format":           write("fmt.json", map[string]any{"format": "other", "operations": []any{}}),
		"missing":                  filepath.Join(dir, "none.json"),
	} {
		if _, err := LoadTrustedDocuments(path); err == nil {
			t.Fatalf("%s: accepted", name)
		}
	}
}
