package querylimit

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/bcs-io/bcs/internal/querylimit/querylimittest"
)

// schema is a small stand-in for BCS's: a connection with first/last, one
// with a default page size, plain lists and a recursive type.
var schema = gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphqls", Input: `
type Query {
  node: Node
  projects(first: Int, last: Int, after: String): ProjectConnection!
  changes(first: Int = 100): ChangePage!
  tags: [String!]!
}
type Node { id: ID!, name: String, child: Node, children: [Node!]! }
type ProjectConnection { totalCount: Int!, edges: [ProjectEdge!]! }
type ProjectEdge { node: Project! }
type Project { id: ID!, name: String!, members(first: Int, last: Int): MemberConnection! }
type MemberConnection { edges: [MemberEdge!]! }
type MemberEdge { node: Member! }
type Member { role: String! }
type ChangePage { items: [String!]! }
`})

// nested is a document of about size bytes: a chain of fragments each
// nesting the next one level deeper and spreading it twice.
func nested(size int) string {
	var b strings.Builder
	b.WriteString("query { node { ...N0 } }\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "fragment N%d on Node { id child { ...N%d ...N%d } }\n", i, i+1, i+1)
	}
	return b.String()
}

func validated(t testing.TB, query string) *ast.QueryDocument {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatalf("%s: %v", query, errs)
	}
	return doc
}

func TestDoublingFragmentsAreRefusedByNodeCount(t *testing.T) {
	for _, n := range []int{20, 40, 200} {
		err := Document{MaxBytes: 1 << 20, MaxTokens: 100000, MaxNodes: 5000}.Check(querylimittest.Doubling(n))
		var ex *Exceeded
		if !errors.As(err, &ex) || ex.Limit != LimitNodes {
			t.Fatalf("n=%d: %v, want a %s refusal", n, err, LimitNodes)
		}
	}
	if err := (Document{MaxNodes: 5000}).Check(querylimittest.Doubling(5)); err != nil {
		t.Fatalf("n=5 has 2^5 leaves and must pass: %v", err)
	}
}

func TestDocumentGuardRefusesSizeAndTokensBeforeParsing(t *testing.T) {
	big := nested(1 << 20)
	var ex *Exceeded
	if err := (Document{MaxBytes: 128 << 10}).Check(big); !errors.As(err, &ex) || ex.Limit != LimitBytes {
		t.Fatalf("1 MiB document: %v", err)
	}
	if err := (Document{MaxTokens: 1000}).Check(big); !errors.As(err, &ex) || ex.Limit != LimitTokens {
		t.Fatalf("token limit: %v", err)
	}
	// Syntax errors are the parser's to report.
	if err := (Document{MaxBytes: 100, MaxTokens: 100, MaxNodes: 10}).Check("query {"); err != nil {
		t.Fatalf("syntax error: %v", err)
	}
	// A cycle is validation's to refuse; counting it must end.
	if err := (Document{MaxNodes: 10}).Check("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"); err != nil {
		t.Fatalf("cycle: %v", err)
	}
}

// Fields sharing a response name are compared pairwise by validation, at
// every level of the response: 200 of them, or 141 with a sub-selection
// (whose children then pair up too), are about the limit.
func TestSameNamedFieldsAreRefusedByMerges(t *testing.T) {
	d := Document{MaxNodes: 5000, MaxMerges: 20000}
	var ex *Exceeded
	for _, q := range []string{
		"{" + strings.Repeat(" __typename", 2000) + " }",
		"{" + strings.Repeat(" node { id }", 200) + " }",
		"{ node { " + strings.Repeat("...A ", 300) + "} } fragment A on Node { id }",
		"{ ...A } fragment A on Query { node { id } ...B ...B } fragment B on Query { node { id } ...C ...C }" +
			" fragment C on Query {" + strings.Repeat(" node { id }", 60) + " }",
	} {
		if err := d.Check(q); !errors.As(err, &ex) || ex.Limit != LimitMerges {
			t.Fatalf("%.80s…: %v, want a %s refusal", q, err, LimitMerges)
		}
	}
	for _, q := range []string{
		"{" + strings.Repeat(" __typename", 200) + " }",
		"{" + strings.Repeat(" node { id }", 141) + " }",
		querylimittest.Doubling(5),
	} {
		if err := d.Check(q); err != nil {
			t.Fatalf("%.80s…: %v", q, err)
		}
	}
	// A cycle stops the walk at the node count instead of looping.
	doc, _ := parser.ParseQuery(&ast.Source{Input: "{ ...A } fragment A on Query { node { ...A } }"})
	if _, ok := Merges(doc, Nodes(doc)); ok {
		t.Fatal("a fragment cycle measured as if finite")
	}
}

func TestMeasureMemoisesFragments(t *testing.T) {
	// 40 doublings: measured in linear time, saturating, not overflowing.
	doc, err := parser.ParseQuery(&ast.Source{Input: querylimittest.Doubling(40)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Limits{}.Measure(doc, doc.Operations[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Complexity != 1<<40 || c.Depth != 1 {
		t.Fatalf("cost %+v, want complexity 2^40 and depth 1", c)
	}
}

func TestComplexityMultipliesByPageSize(t *testing.T) {
	l := Limits{DefaultPageSize: 10, MaxPageSize: 1000}
	for _, tc := range []struct {
		query string
		vars  map[string]any
		want  int64
	}{
		{`{ projects(first: 50) { edges { node { id } } } }`, nil, 1 + 50*3},
		{`{ projects(last: 7) { totalCount } }`, nil, 1 + 7},
		{`query($n: Int) { projects(first: $n) { totalCount } }`, map[string]any{"n": int64(20)}, 1 + 20},
		{`query($n: Int) { projects(first: $n) { totalCount } }`, map[string]any{"n": nil}, 1 + 10},
		{`{ projects { totalCount } }`, nil, 1 + 10},
		{`{ changes { items } }`, nil, 1 + 100},
		{`{ tags node { children { id } } }`, nil, 1 + 3},
		// Nested connections multiply.
		{`{ projects(first: 10) { edges { node { members(first: 5) { edges { node { role } } } } } } }`, nil,
			1 + 10*(1+1*(1+(1+5*(1+1*(1+1)))))},
		// A fragment spread twice counts twice.
		{`{ ...P ...P } fragment P on Query { projects(first: 4) { totalCount } }`, nil, 2 * (1 + 4)},
	} {
		doc := validated(t, tc.query)
		c, err := l.Measure(doc, doc.Operations[0], tc.vars)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if c.Complexity != tc.want {
			t.Errorf("%s: complexity %d, want %d", tc.query, c.Complexity, tc.want)
		}
	}
}

func TestPageSizeOverTheMaximumIsRefused(t *testing.T) {
	l := Limits{MaxPageSize: 1000}
	for _, q := range []string{
		`{ projects(first: 1001) { totalCount } }`,
		`{ ...P } fragment P on Query { projects(last: 5000) { totalCount } }`,
		`{ projects(first: 1) { edges { node { members(first: 1000000) { edges { node { role } } } } } } }`,
	} {
		doc := validated(t, q)
		_, err := l.Check(doc, doc.Operations[0], nil)
		var ex *Exceeded
		if !errors.As(err, &ex) || ex.Limit != LimitPageSize || (ex.Field != "first" && ex.Field != "last") {
			t.Fatalf("%s: %v", q, err)
		}
	}
	doc := validated(t, `{ projects(first: 1000) { totalCount } }`)
	if _, err := l.Check(doc, doc.Operations[0], nil); err != nil {
		t.Fatal(err)
	}
}

func TestDepthAndAliasesThroughFragments(t *testing.T) {
	doc := validated(t, `{ node { ...A } a: node { ...A } } fragment A on Node { x: child { y: child { id } } }`)
	c, err := Limits{}.Measure(doc, doc.Operations[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Depth != 4 || c.Aliases != 5 {
		t.Fatalf("cost %+v, want depth 4 and 5 aliases", c)
	}
	_, err = Limits{MaxDepth: 3}.Check(doc, doc.Operations[0], nil)
	if ex := (*Exceeded)(nil); !errors.As(err, &ex) || ex.Limit != LimitDepth || ex.Value != 4 {
		t.Fatalf("depth: %v", err)
	}
	_, err = Limits{MaxAliases: 4}.Check(doc, doc.Operations[0], nil)
	if ex := (*Exceeded)(nil); !errors.As(err, &ex) || ex.Limit != LimitAliases {
		t.Fatalf("aliases: %v", err)
	}
}

func BenchmarkRefuseDoubling40(b *testing.B) {
	q := querylimittest.Doubling(40)
	d := Document{MaxBytes: 128 << 10, MaxTokens: 15000, MaxNodes: 2000}
	for b.Loop() {
		if d.Check(q) == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkRefuseNested1MiB: refused by size without being read further;
// the token and node guards are timed on a document just under the size
// limit.
func BenchmarkRefuseNested1MiB(b *testing.B) {
	for _, c := range []struct {
		name string
		d    Document
		q    string
	}{
		{"bytes", Document{MaxBytes: 128 << 10, MaxTokens: 15000, MaxNodes: 2000}, nested(1 << 20)},
		{"tokens", Document{MaxTokens: 15000, MaxNodes: 2000}, nested(1 << 20)},
		{"nodes", Document{MaxNodes: 2000}, nested(1 << 20)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if c.d.Check(c.q) == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
