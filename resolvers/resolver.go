// Package resolvers implements BCS's GraphQL resolvers. resolver.go holds
// dependencies only; each *.resolvers.go follows one schema file in graph/.
package resolvers

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/hub"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/graph"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/internal/follow"
	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/internal/secrets"
)

// Resolver is the root resolver: the dependencies every resolver shares.
type Resolver struct {
	Client *ent.Client
	Auth   *auth.Authenticator
	Ops    *operations.Runner
	Box    *secrets.Box
	// Clusters registers, removes and opens clusters.
	Clusters *clusters.Service
	// ListReplicas lists the live `bcs serve` replicas.
	ListReplicas func() ([]*model.Replica, error)
	// Log and Hub serve the change log and its subscriptions.
	Log *changelog.Log
	Hub *hub.Hub
	// Follows shares the storage polls of the operation, workload and
	// instance subscriptions; its reads run as the system.
	Follows *follow.Registry
	// KubeProxy is where kubeconfigs point kubectl (resolvers/kubeproxy.go).
	KubeProxy KubeProxy
}

// NewSchema builds the executable schema over the given dependencies.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: r})
}
