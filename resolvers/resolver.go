// Package resolvers implements BCS's GraphQL resolvers. resolver.go holds
// dependencies only; each *.resolvers.go follows one schema file in graph/.
package resolvers

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/graph"
	"github.com/bcs-io/bcs/internal/auth"
)

// Resolver is the root resolver: the dependencies every resolver shares.
type Resolver struct {
	Client *ent.Client
	Auth   *auth.Authenticator
}

// NewSchema builds the executable schema over the given dependencies.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: r})
}
