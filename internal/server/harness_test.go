package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/predicate"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/token"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/testenv/postgres"
	"github.com/bcs-io/bcs/internal/testenv/testlog"
)

// pg is one PostgreSQL server for the package; each test gets a database.
var pg *postgres.Server

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bcs-server-pg-")
	if err != nil {
		panic(err)
	}
	pg, err = postgres.Start(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start postgres:", err)
		os.Exit(1)
	}
	code := testlog.Run(m)
	for _, stop := range kubeStops {
		_ = stop()
	}
	_ = pg.Stop()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var dbSeq atomic.Int64

// backends runs fn once against SQLite and once against PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, env *testEnv)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		url, err := pg.CreateDatabase(context.Background(), fmt.Sprintf("t%d", dbSeq.Add(1)))
		if err != nil {
			t.Fatal(err)
		}
		fn(t, newEnv(t, url))
	})
}

type testEnv struct {
	server  *Server
	token   string // the admin's; requests carry it unless they say otherwise
	db      *storage.DB
	srv     *httptest.Server
	queries *atomic.Int64 // SQL queries issued through ent
	logs    *bytes.Buffer
}

func newEnv(t testing.TB, url string) *testEnv {
	t.Helper()
	return newEnvWith(t, url, nil)
}

// newEnvWith is newEnv with a chance to change the server's configuration.
func newEnvWith(t testing.TB, url string, configure func(*Config)) *testEnv {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	env := &testEnv{queries: &atomic.Int64{}, logs: &bytes.Buffer{}}
	counted := *db
	counted.Client = ent.NewClient(ent.Driver(&countingDriver{Driver: db.Driver, n: env.queries}))
	env.db = &counted
	// Tests read the JSON; the text goes to the test's own output, shown
	// only when it fails.
	log := slog.New(slog.NewMultiHandler(slog.NewJSONHandler(env.logs, nil), slog.NewTextHandler(testlog.Writer(t), nil)))
	cfg := DefaultConfig
	cfg.RatePerSecond = 0
	// The isolation matrix walks every edge unpaged; tests of the limits
	// (limits_test.go) set them.
	cfg.MaxComplexity = 0
	cfg.Secrets = testBox(t)
	cfg.HealthInterval, cfg.AgentStaleAfter = 300*time.Millisecond, 3*time.Second
	cfg.WatchInterval, cfg.WatchLeaseTTL = 200*time.Millisecond, 3*time.Second
	// Every test cluster listens on loopback: tests that register as
	// non-admins get a permissive policy unless they set their own.
	cfg.ClusterNetworks = permissiveNetworks
	// Listen first so that the server knows the address it advertises,
	// as `bcs serve` does: other replicas forward to it there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Advertise = ln.Addr().String()
	if configure != nil {
		configure(&cfg)
	}
	handler := New(env.db, log, cfg)
	handler.Start()
	env.server = handler
	env.srv = httptest.NewUnstartedServer(handler)
	env.srv.Listener.Close()
	env.srv.Listener = ln
	if cfg.PeerTLS != nil { // replicas serving HTTPS (peertls_test.go)
		env.srv.TLS = &tls.Config{Certificates: []tls.Certificate{testPKI(t).serving}}
		env.srv.StartTLS()
	} else {
		env.srv.Start()
	}
	t.Cleanup(func() { env.srv.Close(); handler.Close() })
	env.token, err = auth.Bootstrap(ctx, db.Client, "admin", true, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// countingDriver counts the read queries of HTTP requests, to catch N+1
// patterns; the server's background work (datawatch, leases) has no
// request id and is not counted.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

func (d *countingDriver) Query(ctx context.Context, query string, args, v any) error {
	if RequestID(ctx) != "" {
		d.n.Add(1)
	}
	return d.Driver.Query(ctx, query, args, v)
}

type gqlResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	status int
	raw    string
}

func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// do posts a GraphQL request and decodes the answer.
func (e *testEnv) do(t testing.TB, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return e.post(t, "application/json", string(body), nil)
}

func (e *testEnv) post(t testing.TB, contentType, body string, header http.Header) *gqlResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/query", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+e.token)
	for k, v := range header {
		req.Header[k] = v
	}
	return e.send(t, req)
}

func (e *testEnv) send(t testing.TB, req *http.Request) *gqlResponse {
	t.Helper()
	client := http.DefaultClient
	if e.srv != nil && e.srv.TLS != nil {
		client = e.srv.Client()
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

func (r *gqlResponse) field(t testing.TB, name string, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %s", r.raw)
	}
	if err := json.Unmarshal(r.Data[name], v); err != nil {
		t.Fatalf("decode %s: %v (%s)", name, err, r.raw)
	}
}

// ID converts a string to a global ID in tests.
func ID(s string) gid.ID { return gid.ID(s) }

// system is a context for seeding storage directly, past privacy rules.
func system() context.Context { return auth.System(context.Background()) }

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func tokenNamed(name string) predicate.Token { return token.Name(name) }

func tempDir() (string, error) { return os.MkdirTemp("", "bcs-bench-") }

var permissiveNetworks, _ = netpolicy.Parse([]string{"0.0.0.0/0", "::/0"})

func testBox(t testing.TB) *secrets.Box {
	b, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
