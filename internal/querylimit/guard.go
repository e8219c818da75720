package querylimit

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// The limits an Exceeded error can name.
const (
	LimitBytes      = "documentBytes"
	LimitTokens     = "documentTokens"
	LimitNodes      = "documentNodes"
	LimitMerges     = "documentMerges"
	LimitDepth      = "depth"
	LimitAliases    = "aliases"
	LimitComplexity = "complexity"
	LimitPageSize   = "pageSize"
)

// Exceeded says which limit a document broke and by how much.
type Exceeded struct {
	Limit      string
	Value, Max int64
	// Field is the argument at fault (first or last), for LimitPageSize.
	Field string
}

func (e *Exceeded) Error() string {
	switch e.Limit {
	case LimitBytes:
		return fmt.Sprintf("the document is %d bytes; the limit is %d", e.Value, e.Max)
	case LimitTokens:
		return fmt.Sprintf("the document has more than %d tokens", e.Max)
	case LimitNodes:
		if e.Value >= ceiling {
			return fmt.Sprintf("the document's selections, with fragments expanded, are beyond counting; the limit is %d", e.Max)
		}
		return fmt.Sprintf("the document has %d selections with fragments expanded; the limit is %d", e.Value, e.Max)
	case LimitMerges:
		return fmt.Sprintf("the document asks for more than %d comparisons of same-named fields", e.Max)
	case LimitDepth:
		return fmt.Sprintf("the query is %d levels deep; the limit is %d", e.Value, e.Max)
	case LimitAliases:
		return fmt.Sprintf("the query uses %d aliases; the limit is %d", e.Value, e.Max)
	case LimitComplexity:
		return fmt.Sprintf("the query has complexity %d; the limit is %d", e.Value, e.Max)
	case LimitPageSize:
		return fmt.Sprintf("%s is %d; the largest page is %d", e.Field, e.Value, e.Max)
	}
	return fmt.Sprintf("%s is %d; the limit is %d", e.Limit, e.Value, e.Max)
}

// Document bounds a raw document before gqlparser sees it; a zero field
// does not limit. Parsing is linear, but gqlparser's validation is not
// (OverlappingFieldsCanBeMerged compares the fields of every selection set
// with fragments expanded), so the expanded size is what bounds it.
type Document struct {
	MaxBytes, MaxTokens, MaxNodes int
	// MaxMerges bounds the comparisons of fields sharing a response name
	// (and of fragments spread side by side) that validation makes to
	// check they can be merged: quadratic in a level's size, so a few
	// thousand selections would cost it seconds.
	MaxMerges int
}

// Check refuses a document over a limit with an *Exceeded. A document that
// does not parse passes: the executor's parser reports it as usual.
func (d Document) Check(query string) error {
	if d.MaxBytes > 0 && len(query) > d.MaxBytes {
		return &Exceeded{Limit: LimitBytes, Value: int64(len(query)), Max: int64(d.MaxBytes)}
	}
	src := &ast.Source{Input: query}
	if d.MaxTokens > 0 && !fewerTokens(src, d.MaxTokens) {
		return &Exceeded{Limit: LimitTokens, Max: int64(d.MaxTokens)}
	}
	if d.MaxNodes <= 0 {
		return nil
	}
	doc, err := parser.ParseQuery(src)
	if err != nil {
		return nil //nolint:nilerr // the executor reports syntax errors itself
	}
	n := Nodes(doc)
	if n > int64(d.MaxNodes) {
		return &Exceeded{Limit: LimitNodes, Value: n, Max: int64(d.MaxNodes)}
	}
	if d.MaxMerges > 0 {
		if m, ok := Merges(doc, n); ok && m > int64(d.MaxMerges) {
			return &Exceeded{Limit: LimitMerges, Value: m, Max: int64(d.MaxMerges)}
		}
	}
	return nil
}

// Merges estimates the comparisons gqlparser's OverlappingFieldsCanBeMerged
// makes: at every level of the response, with fragments expanded, each
// pair of fields that share a response name (their sub-selections then
// form the next level), and each pair of fragments spread together. The
// walk visits each expanded selection once, so it is bounded by nodes
// (from Nodes); ok is false if it went further, which only a fragment
// cycle (a validation error) makes it do.
func Merges(doc *ast.QueryDocument, nodes int64) (merges int64, ok bool) {
	m := merger{frags: fragments(doc), budget: nodes + 1}
	for _, op := range doc.Operations {
		m.level([]ast.SelectionSet{op.SelectionSet})
	}
	for _, f := range doc.Fragments {
		m.level([]ast.SelectionSet{f.SelectionSet})
	}
	return m.merges, m.budget >= 0
}

type merger struct {
	frags  map[string]*ast.FragmentDefinition
	merges int64
	budget int64 // selections left to visit
}

// level merges sets that answer at the same place of the response.
func (m *merger) level(sets []ast.SelectionSet) {
	var keys []string
	groups := map[string][]*ast.Field{}
	var spreads int64
	var flatten func(set ast.SelectionSet)
	flatten = func(set ast.SelectionSet) {
		for _, sel := range set {
			if m.budget--; m.budget < 0 {
				return
			}
			switch s := sel.(type) {
			case *ast.Field:
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				if _, seen := groups[key]; !seen {
					keys = append(keys, key)
				}
				groups[key] = append(groups[key], s)
			case *ast.InlineFragment:
				flatten(s.SelectionSet)
			case *ast.FragmentSpread:
				spreads++
				if f := m.frags[s.Name]; f != nil {
					flatten(f.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		flatten(set)
	}
	m.merges = add(m.merges, mul(spreads, spreads-1)/2)
	for _, key := range keys {
		fields := groups[key]
		k := int64(len(fields))
		m.merges = add(m.merges, mul(k, k-1)/2)
		var children []ast.SelectionSet
		for _, f := range fields {
			if len(f.SelectionSet) > 0 {
				children = append(children, f.SelectionSet)
			}
		}
		if len(children) > 0 && m.budget >= 0 {
			m.level(children)
		}
	}
}

// fewerTokens reads at most max tokens; it stops at the first lexical
// error, which the parser will report.
func fewerTokens(src *ast.Source, max int) bool {
	lex := lexer.New(src)
	for n := 0; n <= max; n++ {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return true
		}
	}
	return false
}

// Nodes is the number of selections gqlparser's validation may visit: for
// every operation and fragment definition, its fields with fragments
// expanded, summed. Each fragment is expanded once and its count reused.
func Nodes(doc *ast.QueryDocument) int64 {
	e := expander{frags: fragments(doc), memo: map[string]int64{}, visiting: map[string]bool{}}
	var n int64
	for _, op := range doc.Operations {
		n = add(n, e.set(op.SelectionSet))
	}
	for _, f := range doc.Fragments {
		if e.frags[f.Name] == f {
			n = add(n, e.fragment(f.Name))
		} else { // a duplicate name, which validation refuses after walking it
			n = add(n, e.set(f.SelectionSet))
		}
	}
	return n
}

// fragments indexes definitions by name; with duplicates (a validation
// error) the first wins, as in ast.FragmentDefinitionList.ForName.
func fragments(doc *ast.QueryDocument) map[string]*ast.FragmentDefinition {
	m := make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
	for _, f := range doc.Fragments {
		if _, dup := m[f.Name]; !dup {
			m[f.Name] = f
		}
	}
	return m
}

type expander struct {
	frags    map[string]*ast.FragmentDefinition
	memo     map[string]int64
	visiting map[string]bool // against cycles, which validation then refuses
}

func (e *expander) set(set ast.SelectionSet) int64 {
	var n int64
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n = add(n, add(1, e.set(s.SelectionSet)))
		case *ast.InlineFragment:
			n = add(n, add(1, e.set(s.SelectionSet)))
		case *ast.FragmentSpread:
			n = add(n, add(1, e.fragment(s.Name)))
		}
	}
	return n
}

func (e *expander) fragment(name string) int64 {
	if n, ok := e.memo[name]; ok {
		return n
	}
	f := e.frags[name]
	if f == nil || e.visiting[name] {
		return 0
	}
	e.visiting[name] = true
	n := e.set(f.SelectionSet)
	delete(e.visiting, name)
	e.memo[name] = n
	return n
}
