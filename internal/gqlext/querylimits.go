package gqlext

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/querylimit"
)

// QueryLimits bounds what a document may cost (package querylimit), in
// two steps of gqlgen's executor: the raw text before it is parsed and
// validated (size, tokens, expanded selections), and the validated
// operation before it runs (depth, aliases, complexity, page sizes). Both
// are linear in the document, so refusing costs less than the request.
type QueryLimits struct {
	Doc  querylimit.Document
	Cost querylimit.Limits
	// Cache is the executor's query cache: a document in it was checked
	// when it was added, so the hot path skips the raw-text check.
	Cache graphql.Cache[*ast.QueryDocument]
	// Refused counts a refusal by the limit's name; nil counts none.
	Refused func(limit string)
}

// ExtensionName implements graphql.HandlerExtension.
func (*QueryLimits) ExtensionName() string { return "QueryLimits" }

// Validate implements graphql.HandlerExtension.
func (*QueryLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters runs before the executor parses: it must be
// added before AutomaticPersistedQuery, so a document is checked when it
// is first sent and a hash-only request (empty query) passes through.
func (l *QueryLimits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" {
		return nil
	}
	if l.Cache != nil {
		if _, ok := l.Cache.Get(ctx, params.Query); ok {
			return nil
		}
	}
	return l.refuse(l.Doc.Check(params.Query))
}

// MutateOperationContext runs after validation, with variables coerced.
func (l *QueryLimits) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	_, err := l.Cost.Check(rc.Doc, rc.Operation, rc.Variables)
	return l.refuse(err)
}

// refuse answers BAD_USER_INPUT with extensions.reason
// QUERY_LIMIT_EXCEEDED (as gqlparser-style limit errors always were), the
// limit's name and its value, and counts the refusal.
func (l *QueryLimits) refuse(err error) *gqlerror.Error {
	var ex *querylimit.Exceeded
	if !errors.As(err, &ex) {
		return nil
	}
	if l.Refused != nil {
		l.Refused(ex.Limit)
	}
	safe := &apierr.Error{Code: apierr.BadUserInput, Field: ex.Field, Message: ex.Error(),
		Extra: map[string]any{"reason": "QUERY_LIMIT_EXCEEDED", "limit": ex.Limit, "max": ex.Max}}
	return &gqlerror.Error{Message: safe.Message, Err: safe}
}
