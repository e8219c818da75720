package transport

import (
	"encoding/json"
	"strings"
	"testing"
)

// BenchmarkDecodeBody1MiB: what reading a maximal request's parameters
// costs before any limit can look at the document.
func BenchmarkDecodeBody1MiB(b *testing.B) {
	var doc strings.Builder
	for i := 0; doc.Len() < 1_000_000; i++ {
		doc.WriteString("fragment N on Project { id members { edges { node { project { ...N ...N } } } } }\n")
	}
	body, err := json.Marshal(map[string]any{"query": doc.String(), "variables": map[string]any{"a": 1}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeBody(body); err != nil {
			b.Fatal(err)
		}
	}
}
