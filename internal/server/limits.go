package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// shapeLimit rejects documents that are too deep or use too many aliases
// before anything executes. (Complexity is gqlgen's FixedComplexityLimit.)
type shapeLimit struct {
	maxDepth, maxAliases int
}

// ExtensionName implements graphql.HandlerExtension.
func (shapeLimit) ExtensionName() string { return "ShapeLimit" }

// Validate implements graphql.HandlerExtension.
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (l shapeLimit) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	w := walker{doc: rc.Doc, seen: map[string]bool{}}
	depth := w.depth(rc.Operation.SelectionSet, 0)
	if l.maxDepth > 0 && depth > l.maxDepth {
		return limitError("the query is %d levels deep; the limit is %d", depth, l.maxDepth)
	}
	if l.maxAliases > 0 && w.aliases > l.maxAliases {
		return limitError("the query uses %d aliases; the limit is %d", w.aliases, l.maxAliases)
	}
	return nil
}

func limitError(format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": "QUERY_LIMIT_EXCEEDED"}
	return e
}

type walker struct {
	doc     *ast.QueryDocument
	aliases int
	seen    map[string]bool // fragments on the current path, against cycles
}

func (w *walker) depth(set ast.SelectionSet, level int) int {
	deepest := level
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			if len(s.SelectionSet) == 0 {
				d = level + 1
			} else {
				d = w.depth(s.SelectionSet, level+1)
			}
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet, level)
		case *ast.FragmentSpread:
			if w.seen[s.Name] {
				continue
			}
			f := w.doc.Fragments.ForName(s.Name)
			if f == nil {
				continue
			}
			w.seen[s.Name] = true
			d = w.depth(f.SelectionSet, level)
			delete(w.seen, s.Name)
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
}
