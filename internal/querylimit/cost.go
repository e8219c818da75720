package querylimit

import (
	"encoding/json"
	"math"

	"github.com/vektah/gqlparser/v2/ast"
)

// Limits bound a validated operation; a zero field does not limit.
type Limits struct {
	MaxDepth, MaxAliases, MaxComplexity int64
	// MaxPageSize is the largest first or last accepted.
	MaxPageSize int64
	// DefaultPageSize is what a connection is assumed to return when the
	// query gives neither first nor last and the schema has no default.
	DefaultPageSize int64
}

// Cost is what an operation would ask of the server.
type Cost struct {
	// Depth is the deepest field, fragments expanded (a leaf at the root
	// is 1).
	Depth int64
	// Aliases counts aliased fields, each spread of a fragment counting
	// the fragment's again.
	Aliases int64
	// Complexity is 1 per field, a paginated field's children counting
	// first/last times.
	Complexity int64
}

// Check measures op and refuses it with an *Exceeded when it breaks a
// limit. It needs a validated document: fields carry their definitions.
func (l Limits) Check(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (Cost, error) {
	c, err := l.Measure(doc, op, vars)
	if err != nil {
		return c, err
	}
	for _, lim := range []struct {
		name     string
		val, max int64
	}{{LimitDepth, c.Depth, l.MaxDepth}, {LimitAliases, c.Aliases, l.MaxAliases}, {LimitComplexity, c.Complexity, l.MaxComplexity}} {
		if lim.max > 0 && lim.val > lim.max {
			return c, &Exceeded{Limit: lim.name, Value: lim.val, Max: lim.max}
		}
	}
	return c, nil
}

// Measure computes op's cost; its only error is a page size over
// MaxPageSize.
func (l Limits) Measure(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (Cost, error) {
	m := measurer{limits: l, vars: vars, frags: fragments(doc), memo: map[string]Cost{}, visiting: map[string]bool{}}
	return m.set(op.SelectionSet)
}

type measurer struct {
	limits   Limits
	vars     map[string]any
	frags    map[string]*ast.FragmentDefinition
	memo     map[string]Cost
	visiting map[string]bool
}

func (m *measurer) set(set ast.SelectionSet) (Cost, error) {
	var total Cost
	for _, sel := range set {
		var c Cost
		var err error
		switch s := sel.(type) {
		case *ast.Field:
			c, err = m.field(s)
		case *ast.InlineFragment:
			c, err = m.set(s.SelectionSet)
		case *ast.FragmentSpread:
			c, err = m.fragment(s.Name)
		}
		if err != nil {
			return total, err
		}
		total.Depth = max(total.Depth, c.Depth)
		total.Aliases = add(total.Aliases, c.Aliases)
		total.Complexity = add(total.Complexity, c.Complexity)
	}
	return total, nil
}

func (m *measurer) field(f *ast.Field) (Cost, error) {
	page, err := m.pageSize(f)
	if err != nil {
		return Cost{}, err
	}
	children, err := m.set(f.SelectionSet)
	if err != nil {
		return Cost{}, err
	}
	c := Cost{Depth: children.Depth + 1, Aliases: children.Aliases, Complexity: add(1, mul(page, children.Complexity))}
	if f.Alias != "" && f.Alias != f.Name {
		c.Aliases = add(c.Aliases, 1)
	}
	return c, nil
}

func (m *measurer) fragment(name string) (Cost, error) {
	if c, ok := m.memo[name]; ok {
		return c, nil
	}
	f := m.frags[name]
	if f == nil || m.visiting[name] {
		return Cost{}, nil
	}
	m.visiting[name] = true
	c, err := m.set(f.SelectionSet)
	delete(m.visiting, name)
	if err != nil {
		return c, err
	}
	m.memo[name] = c
	return c, nil
}

// pageSize is how many times f's children count: 1 unless f takes first
// or last, then the larger one given (or the schema's default, else
// DefaultPageSize).
func (m *measurer) pageSize(f *ast.Field) (int64, error) {
	if f.Definition == nil {
		return 1, nil
	}
	paged, given := false, int64(-1)
	for _, name := range [...]string{"first", "last"} {
		def := f.Definition.Arguments.ForName(name)
		if def == nil {
			continue
		}
		paged = true
		var v any
		if a := f.Arguments.ForName(name); a != nil && a.Value != nil {
			v, _ = a.Value.Value(m.vars)
		}
		if v == nil && def.DefaultValue != nil {
			v, _ = def.DefaultValue.Value(nil)
		}
		n, ok := toInt(v)
		if !ok {
			continue
		}
		if m.limits.MaxPageSize > 0 && n > m.limits.MaxPageSize {
			return 0, &Exceeded{Limit: LimitPageSize, Field: name, Value: n, Max: m.limits.MaxPageSize}
		}
		given = max(given, max(n, 0))
	}
	switch {
	case !paged:
		return 1, nil
	case given >= 0:
		return given, nil
	case m.limits.DefaultPageSize > 0:
		return m.limits.DefaultPageSize, nil
	}
	return 1, nil
}

// toInt reads an Int argument as literals and the transports' variable
// decoders give it.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.IsInf(n, 0) || math.IsNaN(n) {
			return 0, false
		}
		if n >= float64(ceiling) {
			return ceiling, true
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
