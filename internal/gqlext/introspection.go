package gqlext

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bcs-io/bcs/internal/auth"
)

// AnonymousIntrospection lets callers without a token run introspection
// (when the server allows it) and nothing else.
type AnonymousIntrospection struct{}

// ExtensionName implements graphql.HandlerExtension.
func (AnonymousIntrospection) ExtensionName() string { return "AnonymousIntrospection" }

// Validate implements graphql.HandlerExtension.
func (AnonymousIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (AnonymousIntrospection) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if auth.FromContext(ctx) != nil || rc.Operation == nil {
		return nil
	}
	if rc.Operation.Operation == ast.Query && onlyIntrospection(rc.Operation.SelectionSet, rc.Doc) {
		return nil
	}
	return &gqlerror.Error{Message: "sign in: send an API token as \"Authorization: Bearer <token>\"", Extensions: map[string]any{"code": "UNAUTHENTICATED"}}
}

func onlyIntrospection(set ast.SelectionSet, doc *ast.QueryDocument) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name != "__schema" && s.Name != "__type" && s.Name != "__typename" {
				return false
			}
		case *ast.InlineFragment:
			if !onlyIntrospection(s.SelectionSet, doc) {
				return false
			}
		case *ast.FragmentSpread:
			f := doc.Fragments.ForName(s.Name)
			if f == nil || !onlyIntrospection(f.SelectionSet, doc) {
				return false
			}
		}
	}
	return true
}
