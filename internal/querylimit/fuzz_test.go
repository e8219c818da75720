package querylimit

import (
	"errors"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/bcs-io/bcs/internal/querylimit/querylimittest"
)

// The seed corpora under testdata/fuzz run with every `go test`; `go test
// -fuzz FuzzDocumentGuard ./internal/querylimit` explores further.

// FuzzDocumentGuard: the guard never panics, refuses only with *Exceeded,
// and counts what a naive expansion counts wherever that one finishes.
func FuzzDocumentGuard(f *testing.F) {
	f.Add(querylimittest.Doubling(3))
	f.Add(querylimittest.Doubling(40))
	f.Add(nested(2000))
	f.Fuzz(func(t *testing.T, query string) {
		d := Document{MaxBytes: 64 << 10, MaxTokens: 5000, MaxNodes: 500, MaxMerges: 1000}
		err := d.Check(query)
		var ex *Exceeded
		if err != nil && !errors.As(err, &ex) {
			t.Fatalf("refusal %T is not *Exceeded: %v", err, err)
		}
		doc, perr := parser.ParseQuery(&ast.Source{Input: query})
		if perr != nil {
			return
		}
		n := Nodes(doc)
		if err == nil && n > int64(d.MaxNodes) {
			t.Fatalf("accepted %d nodes over the limit of %d", n, d.MaxNodes)
		}
		budget := int64(100000)
		naive, cyclic := naiveNodes(doc, &budget)
		// With a cycle (which validation refuses) the count is a lower
		// bound: a fragment met again on its own path counts nothing.
		if budget > 0 && !cyclic && naive != n {
			t.Fatalf("Nodes = %d, a naive expansion counts %d", n, naive)
		}
	})
}

// FuzzMeasure: on every document that validates, the memoised measure
// equals a naive walk (where that one finishes) and never panics.
func FuzzMeasure(f *testing.F) {
	f.Add(`{ projects(first: 50) { edges { node { id members { edges { node { role } } } } } } }`)
	f.Add(`{ ...P ...P } fragment P on Query { projects(first: 4) { totalCount } }`)
	f.Add(`{ node { ...A } a: node { ...A } } fragment A on Node { x: child { y: child { id } } }`)
	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > 4096 {
			return
		}
		doc, errs := gqlparser.LoadQuery(schema, query)
		if errs != nil || len(doc.Operations) == 0 {
			return
		}
		l := Limits{DefaultPageSize: 10, MaxPageSize: 1000}
		for _, op := range doc.Operations {
			got, err := l.Measure(doc, op, nil)
			var ex *Exceeded
			if err != nil && (!errors.As(err, &ex) || ex.Limit != LimitPageSize) {
				t.Fatalf("Measure error %v", err)
			}
			budget := int64(100000)
			want, nerr := naiveCost(l, doc, op.SelectionSet, &budget)
			if budget <= 0 {
				continue
			}
			if (err == nil) != (nerr == nil) || (err == nil && got != want) {
				t.Fatalf("Measure = %+v, %v; naive %+v, %v", got, err, want, nerr)
			}
		}
	})
}

// naiveNodes expands every spread at every use: exponential, so it stops
// when budget runs out.
func naiveNodes(doc *ast.QueryDocument, budget *int64) (int64, bool) {
	frags := fragments(doc)
	cyclic := false
	var walk func(set ast.SelectionSet, path map[string]bool) int64
	walk = func(set ast.SelectionSet, path map[string]bool) int64 {
		var n int64
		for _, sel := range set {
			if *budget--; *budget <= 0 {
				return n
			}
			switch s := sel.(type) {
			case *ast.Field:
				n += 1 + walk(s.SelectionSet, path)
			case *ast.InlineFragment:
				n += 1 + walk(s.SelectionSet, path)
			case *ast.FragmentSpread:
				n++
				cyclic = cyclic || path[s.Name]
				if f := frags[s.Name]; f != nil && !path[s.Name] {
					path[s.Name] = true
					n += walk(f.SelectionSet, path)
					delete(path, s.Name)
				}
			}
		}
		return n
	}
	var n int64
	for _, op := range doc.Operations {
		n += walk(op.SelectionSet, map[string]bool{})
	}
	for _, f := range doc.Fragments {
		n += walk(f.SelectionSet, map[string]bool{f.Name: true})
	}
	return n, cyclic
}

func naiveCost(l Limits, doc *ast.QueryDocument, set ast.SelectionSet, budget *int64) (Cost, error) {
	var total Cost
	m := measurer{limits: l}
	for _, sel := range set {
		if *budget--; *budget <= 0 {
			return total, nil
		}
		var c Cost
		var err error
		switch s := sel.(type) {
		case *ast.Field:
			var page int64
			if page, err = m.pageSize(s); err == nil {
				var ch Cost
				ch, err = naiveCost(l, doc, s.SelectionSet, budget)
				c = Cost{Depth: ch.Depth + 1, Aliases: ch.Aliases, Complexity: 1 + page*ch.Complexity}
				if s.Alias != s.Name {
					c.Aliases++
				}
			}
		case *ast.InlineFragment:
			c, err = naiveCost(l, doc, s.SelectionSet, budget)
		case *ast.FragmentSpread:
			c, err = naiveCost(l, doc, doc.Fragments.ForName(s.Name).SelectionSet, budget)
		}
		if err != nil {
			return total, err
		}
		total.Depth = max(total.Depth, c.Depth)
		total.Aliases += c.Aliases
		total.Complexity += c.Complexity
	}
	return total, nil
}
