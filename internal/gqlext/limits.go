package gqlext

import (
	"context"
	"reflect"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// OperationTimeout bounds queries and mutations that reach the executor
// without a deadline: those over websockets and SSE (HTTP requests get
// theirs from withTimeout). Subscriptions live on.
type OperationTimeout time.Duration

// ExtensionName implements graphql.HandlerExtension.
func (OperationTimeout) ExtensionName() string { return "OperationTimeout" }

// Validate implements graphql.HandlerExtension.
func (OperationTimeout) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor. Queries and
// mutations resolve inside their first response, so the deadline wraps
// each call of the response handler.
func (d OperationTimeout) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	rc := graphql.GetOperationContext(ctx)
	if _, has := ctx.Deadline(); d <= 0 || has || rc.Operation == nil || rc.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		ctx, cancel := context.WithTimeout(ctx, time.Duration(d))
		defer cancel()
		return h(ctx)
	}
}

// DefaultPage gives a connection queried without first or last the
// default page size when it runs, as complexity assumed: without it a bare
// `projects { … }` would read every row however large the table grows.
// The client learns of the cut from pageInfo.hasNextPage.
func DefaultPage(size int) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if size <= 0 || fc == nil || fc.Field.Definition == nil || fc.Args == nil {
			return next(ctx)
		}
		defs := fc.Field.Definition.Arguments
		if defs.ForName("first") == nil || defs.ForName("last") == nil {
			return next(ctx)
		}
		first, _ := fc.Args["first"].(*int)
		last, _ := fc.Args["last"].(*int)
		if first == nil && last == nil {
			n := size
			if given(fc.Args["before"]) && !given(fc.Args["after"]) {
				fc.Args["last"] = &n // paging backwards: the page before the cursor
			} else {
				fc.Args["first"] = &n
			}
		}
		return next(ctx)
	}
}

// given tells a set argument from an absent one, which gqlgen passes as a
// typed nil pointer.
func given(arg any) bool {
	v := reflect.ValueOf(arg)
	return v.IsValid() && !(v.Kind() == reflect.Pointer && v.IsNil())
}
