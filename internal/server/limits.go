package server

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/querylimit"
)

// Caps are the limits beyond a document's depth, aliases and complexity:
// its raw size, page sizes, what one token or connection may hold open,
// how long a client may take to send a request, and how many operation
// names /metrics labels. Zero disables a cap.
type Caps struct {
	MaxDocumentBytes  int // query text, checked before parsing
	MaxDocumentTokens int // lexical tokens, checked before parsing
	// MaxDocumentNodes bounds the selections gqlparser's validation visits
	// (every operation and fragment, fragments expanded).
	MaxDocumentNodes int
	// MaxDocumentMerges bounds the comparisons of same-named fields
	// validation makes (quadratic in a level's size).
	MaxDocumentMerges int
	MaxPageSize       int // largest first/last
	// DefaultPageSize is the page a connection queried without first or
	// last returns, and what complexity counts for it.
	DefaultPageSize int

	MaxOperationsPerConnection int // running operations on one websocket
	MaxConnectionsPerToken     int // open websockets per API token
	MaxStreamsPerToken         int // open SSE streams per API token

	// ReadHeaderTimeout, ReadTimeout (headers and body) and IdleTimeout
	// are the http.Server's (see Server.HTTPServer).
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration

	// MetricOperations are operation names always labelled in /metrics;
	// besides them, the first MaxMetricOperations other names seen are,
	// and the rest count as "other".
	MetricOperations    []string
	MaxMetricOperations int
}

// DefaultCaps fit the console, GraphiQL (gqlgen's introspection query is
// 180 tokens and 484 selections, with no same-named fields) and scripts;
// at the document limits gqlparser's validation stays within milliseconds
// (2,000 same-named fields would take it half a second).
var DefaultCaps = Caps{
	MaxDocumentBytes:  64 << 10,
	MaxDocumentTokens: 10_000,
	MaxDocumentNodes:  2_000,
	MaxDocumentMerges: 20_000,
	MaxPageSize:       1_000,
	DefaultPageSize:   100,

	MaxOperationsPerConnection: 200,
	MaxConnectionsPerToken:     64,
	MaxStreamsPerToken:         64,

	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	IdleTimeout:       2 * time.Minute,

	MaxMetricOperations: 100,
}

// queryLimits bounds what a document may cost (package querylimit), in
// two steps of gqlgen's executor: the raw text before it is parsed and
// validated (size, tokens, expanded selections), and the validated
// operation before it runs (depth, aliases, complexity, page sizes). Both
// are linear in the document, so refusing costs less than the request.
type queryLimits struct {
	doc  querylimit.Document
	cost querylimit.Limits
	// cache is the executor's query cache: a document in it was checked
	// when it was added, so the hot path skips the raw-text check.
	cache   graphql.Cache[*ast.QueryDocument]
	metrics *metrics
}

func (s *Server) queryLimits(cache graphql.Cache[*ast.QueryDocument]) *queryLimits {
	l := s.limits
	return &queryLimits{
		doc: querylimit.Document{MaxBytes: l.MaxDocumentBytes, MaxTokens: l.MaxDocumentTokens, MaxNodes: l.MaxDocumentNodes,
			MaxMerges: l.MaxDocumentMerges},
		cost: querylimit.Limits{MaxDepth: int64(l.MaxDepth), MaxAliases: int64(l.MaxAliases), MaxComplexity: int64(l.MaxComplexity),
			MaxPageSize: int64(l.MaxPageSize), DefaultPageSize: int64(l.DefaultPageSize)},
		cache: cache, metrics: s.metrics,
	}
}

// ExtensionName implements graphql.HandlerExtension.
func (*queryLimits) ExtensionName() string { return "QueryLimits" }

// Validate implements graphql.HandlerExtension.
func (*queryLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters runs before the executor parses: it must be
// added before AutomaticPersistedQuery, so a document is checked when it
// is first sent and a hash-only request (empty query) passes through.
func (l *queryLimits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" {
		return nil
	}
	if l.cache != nil {
		if _, ok := l.cache.Get(ctx, params.Query); ok {
			return nil
		}
	}
	return l.refuse(l.doc.Check(params.Query))
}

// MutateOperationContext runs after validation, with variables coerced.
func (l *queryLimits) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	_, err := l.cost.Check(rc.Doc, rc.Operation, rc.Variables)
	return l.refuse(err)
}

// refuse answers BAD_USER_INPUT with extensions.reason
// QUERY_LIMIT_EXCEEDED (as gqlparser-style limit errors always were), the
// limit's name and its value, and counts the refusal.
func (l *queryLimits) refuse(err error) *gqlerror.Error {
	var ex *querylimit.Exceeded
	if !errors.As(err, &ex) {
		return nil
	}
	l.metrics.refused(ex.Limit)
	safe := &apierr.Error{Code: apierr.BadUserInput, Field: ex.Field, Message: ex.Error(),
		Extra: map[string]any{"reason": "QUERY_LIMIT_EXCEEDED", "limit": ex.Limit, "max": ex.Max}}
	return &gqlerror.Error{Message: safe.Message, Err: safe}
}
