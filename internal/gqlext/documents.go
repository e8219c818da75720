package gqlext

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
)

// Persisted documents: Apollo's automatic persisted queries (APQ) by
// default, or, with trusted documents, an allow-list outside which nothing
// runs. Either way a document's text reaches the parser only once: parsed
// and validated documents are cached by text (DocumentCache).

// PersistedQueryNotFound is the APQ protocol's code for a hash the server
// does not know; Apollo's clients answer it by sending the full document.
const PersistedQueryNotFound apierr.Code = "PERSISTED_QUERY_NOT_FOUND"

// apqMaxDocument bounds what one registration may store: with apqEntries it
// caps the APQ cache at 8 MiB whatever authenticated clients send. Larger
// documents still run; they are not remembered.
const (
	apqEntries     = 256
	apqMaxDocument = 32 << 10
)

// TrustedDocuments maps a document's SHA-256 (hex) to its text.
type TrustedDocuments map[string]string

// LoadTrustedDocuments reads an allow-list: either a JSON object of
// sha256 → document (graphql-codegen's persisted-documents.json) or Apollo's
// persisted query manifest ({"format": "apollo-persisted-query-manifest",
// "operations": [{"id", "body", …}]}). Every id must be the SHA-256 of its
// document, as both tools write by default.
func LoadTrustedDocuments(path string) (TrustedDocuments, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	var manifest struct {
		Format     string `json:"format"`
		Operations []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	docs := TrustedDocuments{}
	if err := json.Unmarshal(raw, &manifest); err == nil && manifest.Format != "" {
		if manifest.Format != "apollo-persisted-query-manifest" {
			return nil, fmt.Errorf("trusted documents %s: unknown format %q", path, manifest.Format)
		}
		for _, op := range manifest.Operations {
			docs[op.ID] = op.Body
		}
	} else if err := json.Unmarshal(raw, (*map[string]string)(&docs)); err != nil {
		return nil, fmt.Errorf("trusted documents %s: want a JSON object of sha256 → document or an Apollo persisted query manifest: %w", path, err)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("trusted documents %s: no documents", path)
	}
	for id, doc := range docs {
		if DocumentHash(doc) != id {
			return nil, fmt.Errorf("trusted documents %s: %q is not the SHA-256 of its document", path, id)
		}
	}
	return docs, nil
}

func DocumentHash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// PersistedDocuments resolves extensions.persistedQuery before parsing.
// With trusted documents it refuses every other document; otherwise it is
// APQ, where only authenticated callers may register a document (an
// anonymous introspection caller must not fill or churn the cache).
type PersistedDocuments struct {
	trusted TrustedDocuments // nil: APQ
	apq     graphql.Cache[string]
}

func NewPersistedDocuments(trusted TrustedDocuments) *PersistedDocuments {
	if trusted != nil {
		return &PersistedDocuments{trusted: trusted}
	}
	return &PersistedDocuments{apq: lru.New[string](apqEntries)}
}

// ExtensionName implements graphql.HandlerExtension.
func (*PersistedDocuments) ExtensionName() string { return "PersistedDocuments" }

// Validate implements graphql.HandlerExtension.
func (*PersistedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (p *PersistedDocuments) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	hash, err := persistedHash(raw.Extensions)
	if err != nil {
		return refuse(apierr.New(apierr.BadUserInput, "%s", err))
	}
	if hash != "" && raw.Query != "" && DocumentHash(raw.Query) != hash {
		return refuse(apierr.New(apierr.BadUserInput, "the persisted query hash does not match the document"))
	}
	if p.trusted != nil {
		if raw.Query == "" && hash != "" {
			doc, ok := p.trusted[hash]
			if !ok {
				return refuse(&apierr.Error{Code: PersistedQueryNotFound, Message: "PersistedQueryNotFound"})
			}
			raw.Query = doc
			return nil
		}
		if _, ok := p.trusted[DocumentHash(raw.Query)]; !ok {
			return refuse(&apierr.Error{Code: apierr.Forbidden, Message: "this server runs only its trusted documents; send a listed document or its persisted query hash",
				Extra: map[string]any{"reason": "UNTRUSTED_DOCUMENT"}})
		}
		return nil
	}
	if hash == "" {
		return nil
	}
	if raw.Query == "" {
		doc, ok := p.apq.Get(ctx, hash)
		if !ok {
			return refuse(&apierr.Error{Code: PersistedQueryNotFound, Message: "PersistedQueryNotFound"})
		}
		raw.Query = doc
		return nil
	}
	if auth.FromContext(ctx) != nil && len(raw.Query) <= apqMaxDocument {
		p.apq.Add(ctx, hash, raw.Query)
	}
	return nil
}

// persistedHash reads extensions.persistedQuery ({"version": 1,
// "sha256Hash": "…"}); "" when there is none.
func persistedHash(ext map[string]any) (string, error) {
	v, ok := ext["persistedQuery"]
	if !ok || v == nil {
		return "", nil
	}
	pq, ok := v.(map[string]any)
	if !ok {
		return "", errors.New("extensions.persistedQuery must be an object")
	}
	if version := fmt.Sprint(pq["version"]); version != "1" {
		return "", errors.New("extensions.persistedQuery: unsupported version (want 1)")
	}
	hash, _ := pq["sha256Hash"].(string)
	if len(hash) != sha256.Size*2 {
		return "", errors.New("extensions.persistedQuery.sha256Hash must be 64 hex digits")
	}
	return hash, nil
}

func refuse(e *apierr.Error) *gqlerror.Error {
	return &gqlerror.Error{Message: e.Message, Err: e}
}

// DocumentCache holds parsed and validated documents by their text, so a
// repeated document skips both; lookups are counted by result.
type DocumentCache struct {
	graphql.Cache[*ast.QueryDocument]
	lookups *prometheus.CounterVec
}

func NewDocumentCache(reg prometheus.Registerer) *DocumentCache {
	c := &DocumentCache{
		Cache: lru.New[*ast.QueryDocument](1000),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bcs_graphql_document_cache_lookups_total",
			Help: "Parsed-and-validated document cache lookups by result (hit: parsing and validation skipped).",
		}, []string{"result"}),
	}
	reg.MustRegister(c.lookups)
	return c
}

// Get implements graphql.Cache.
func (c *DocumentCache) Get(ctx context.Context, key string) (*ast.QueryDocument, bool) {
	doc, ok := c.Cache.Get(ctx, key)
	if ok {
		c.lookups.WithLabelValues("hit").Inc()
	} else {
		c.lookups.WithLabelValues("miss").Inc()
	}
	return doc, ok
}
