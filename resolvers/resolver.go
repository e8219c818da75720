// Package resolvers implements BCS's GraphQL resolvers. resolver.go holds
// dependencies only; each *.resolvers.go follows one schema file in graph/.
package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/hub"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/graph"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/follow"
	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/orchestrators"
)

// Resolver is the root resolver: the dependencies every resolver shares.
type Resolver struct {
	Client *ent.Client
	Auth   *auth.Authenticator
	Ops    *operations.Runner
	Box    *secrets.Box
	// ProbeKubeconfig checks a kubeconfig reaches its cluster and reads
	// version and capacity, answering the API server's endpoint.
	// Restricted probes (non-admins) stay within the cluster-address policy
	// and fail with one generic error.
	ProbeKubeconfig func(ctx context.Context, kubeconfig []byte, restricted bool) (*orchestrators.ClusterInfo, string, error)
	// Router reaches clusters; MesosEnabled says Mesos clusters can be
	// registered (BCS has a ZooKeeper for its scheduler state).
	Router       *orchestrators.Router
	MesosEnabled bool
	// ListReplicas lists the live `bcs serve` replicas.
	ListReplicas func() ([]*model.Replica, error)
	// Log and Hub serve the change log and its subscriptions.
	Log *changelog.Log
	Hub *hub.Hub
	// Follows shares the storage polls of the operation, workload and
	// instance subscriptions; its reads run as the system.
	Follows *follow.Registry
}

// NewSchema builds the executable schema over the given dependencies.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: r})
}
