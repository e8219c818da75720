package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bcs-io/bcs/internal/querylimit/querylimittest"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/resolvers"
)

// BenchmarkRefuse is the time a hostile document costs the server before
// it is refused: the whole handler in process (no network), without a
// token (public introspection lets the request reach GraphQL), default
// limits unless the case says otherwise.
func BenchmarkRefuse(b *testing.B) {
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "bcs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	nested := nestedDocument(1_000_000) // with its JSON, under the 1 MiB body limit
	for _, c := range []struct {
		name, query, limit string
		configure          func(*Config)
	}{
		{"doubling-n40", querylimittest.Doubling(40), "documentNodes", nil},
		{"nested-1MiB", nested, "documentBytes", nil},
		// With the size and token limits raised, the node count refuses
		// it, after a full parse.
		{"nested-1MiB-nodes-only", nested, "documentNodes", func(c *Config) {
			c.MaxBodyBytes, c.MaxDocumentBytes, c.MaxDocumentTokens = 2<<20, 2<<20, 1<<20
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := DefaultConfig
			cfg.RatePerSecond, cfg.PublicIntrospection, cfg.Secrets = 0, true, testBox(b)
			if c.configure != nil {
				c.configure(&cfg)
			}
			srv := New(db, slog.New(slog.DiscardHandler), cfg)
			defer srv.Close()
			srv.Start()
			body, _ := json.Marshal(map[string]any{"query": c.query})
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if !strings.Contains(rec.Body.String(), `"limit":"`+c.limit+`"`) {
					b.Fatalf("%d %.300s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// BenchmarkQueryLimitsProjectsQuery is what the limits add to the nested
// page query of BenchmarkProjectsFirst50 once its document is cached: the
// cache probe before parsing and the depth/alias/complexity measure.
func BenchmarkQueryLimitsProjectsQuery(b *testing.B) {
	es := resolvers.NewSchema(&resolvers.Resolver{})
	var params struct{ Query string }
	if err := json.Unmarshal([]byte(projectsQuery), &params); err != nil {
		b.Fatal(err)
	}
	doc, errs := gqlparser.LoadQuery(es.Schema(), params.Query)
	if errs != nil {
		b.Fatal(errs)
	}
	cache := lru.New[*ast.QueryDocument](10)
	cache.Add(context.Background(), params.Query, doc)
	s := &Server{limits: DefaultLimits, metrics: newMetrics()}
	l := s.queryLimits(cache)
	rc := &graphql.OperationContext{RawQuery: params.Query, Doc: doc, Operation: doc.Operations[0]}
	ctx := context.Background()
	for b.Loop() {
		if err := l.MutateOperationParameters(ctx, &graphql.RawParams{Query: params.Query}); err != nil {
			b.Fatal(err)
		}
		if err := l.MutateOperationContext(ctx, rc); err != nil {
			b.Fatal(err)
		}
	}
}
