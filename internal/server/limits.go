package server

import (
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bcs-io/bcs/internal/gqlext"
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

// queryLimits is the query-limits extension over the server's limits,
// counting refusals into its metrics.
func (s *Server) queryLimits(cache graphql.Cache[*ast.QueryDocument]) *gqlext.QueryLimits {
	l := s.limits
	return &gqlext.QueryLimits{
		Doc: querylimit.Document{MaxBytes: l.MaxDocumentBytes, MaxTokens: l.MaxDocumentTokens, MaxNodes: l.MaxDocumentNodes,
			MaxMerges: l.MaxDocumentMerges},
		Cost: querylimit.Limits{MaxDepth: int64(l.MaxDepth), MaxAliases: int64(l.MaxAliases), MaxComplexity: int64(l.MaxComplexity),
			MaxPageSize: int64(l.MaxPageSize), DefaultPageSize: int64(l.DefaultPageSize)},
		Cache: cache, Refused: s.metrics.refused,
	}
}
