package clusters

import (
	"fmt"

	"k8s.io/client-go/rest"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
)

// RestConfig opens a Kubernetes cluster's sealed kubeconfig into a client
// configuration, for libraries that take one rather than an Orchestrator
// (the Helm SDK). A restricted cluster's configuration dials only within
// the cluster-address policy, as the router's factories do.
func (s *Service) RestConfig(c *ent.Cluster) (*rest.Config, error) {
	if c.Kind != cluster.KindK8S {
		return nil, &orchestrators.Error{Kind: orchestrators.ErrUnsupported, Message: fmt.Sprintf("cluster %s is not a Kubernetes cluster", c.Name)}
	}
	conn, err := Conn(c, s.Box)
	if err != nil {
		return nil, err
	}
	var policy *netpolicy.Policy
	if c.Restricted {
		policy = s.Policy
		if policy == nil {
			policy = netpolicy.Default()
		}
	}
	return k8s.RestConfig(conn.Kubeconfig, policy)
}
