package server

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2"

	"github.com/bcs-io/bcs/resolvers"
)

// BenchmarkDocumentCache compares what the document cache saves on a
// repeated document: parsing and validating the nested page query against
// BCS's schema, beside a cache hit.
func BenchmarkDocumentCache(b *testing.B) {
	schema := resolvers.NewSchema(&resolvers.Resolver{}).Schema()
	b.Run("parse+validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := gqlparser.LoadQuery(schema, peerQueryBCS); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cache-hit", func(b *testing.B) {
		c := newDocumentCache(prometheus.NewRegistry())
		doc, _ := gqlparser.LoadQuery(schema, peerQueryBCS)
		ctx := context.Background()
		c.Add(ctx, peerQueryBCS, doc)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := c.Get(ctx, peerQueryBCS); !ok {
				b.Fatal("miss")
			}
		}
	})
}
