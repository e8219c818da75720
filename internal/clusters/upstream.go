package clusters

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/orchestrators"
)

// upstreamer is an Orchestrator that can hand its API server's address and
// credentialed transport to the Kubernetes proxy (orchestrators/k8s).
type upstreamer interface {
	Upstream() (*url.URL, http.RoundTripper, error)
}

// Upstream opens a Kubernetes cluster for the Kubernetes proxy: its API
// server's base URL and a round tripper carrying BCS's credential, built
// by the router's factory like every other connection to the cluster (the
// cluster-address policy of restricted clusters, tunnels) and shared with
// the cluster's cached orchestrator.
func (k Connector) Upstream(ctx context.Context, c *ent.Cluster) (*url.URL, http.RoundTripper, error) {
	o, err := k.Open(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	u, ok := o.(upstreamer)
	if !ok {
		return nil, nil, &orchestrators.Error{Kind: orchestrators.ErrUnsupported, Object: "cluster " + string(c.ID),
			Message: fmt.Sprintf("a %s cluster has no Kubernetes API to proxy", c.Kind)}
	}
	return u.Upstream()
}
