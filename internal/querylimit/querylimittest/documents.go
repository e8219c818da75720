// Package querylimittest holds the hostile GraphQL documents the query
// limits are tested against, shared by querylimit's tests and the server's.
package querylimittest

import (
	"fmt"
	"strings"
)

// Doubling is the document of issue 11: each fragment spreads the next
// twice, so its expansion has 2^n leaves though the text grows by n lines.
func Doubling(n int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n)
	return b.String()
}
