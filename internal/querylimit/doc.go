// Package querylimit measures what a GraphQL document would cost before it
// is run, in time linear in the document: a guard on the raw text (size,
// tokens, selections with fragments expanded) that runs before gqlparser
// parses and validates it, and the depth, alias and complexity of a
// validated operation, where a connection's children count first/last
// times. Fragments are measured once and their results reused at every
// spread, so a document that spreads each fragment twice into the next
// (whose expansion doubles per fragment) costs no more to measure than its
// text is long.
package querylimit

import "math"

// ceiling is where counts saturate: an expansion can be 2^n for n
// fragments, and an overflowed count would pass every limit.
const ceiling = math.MaxInt64 / 4

func add(a, b int64) int64 {
	if a >= ceiling-b {
		return ceiling
	}
	return a + b
}

func mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > ceiling/b {
		return ceiling
	}
	return a * b
}
