package k8s

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Upstream is where the cluster's API server is and the round tripper
// that reaches it with BCS's credential, for the Kubernetes proxy
// (internal/kubeproxy). It is the Orchestrator's own pooled transport,
// without the client's timeout, so watches and streams live on; it
// dials as every other request of this Orchestrator does (the address
// policy, tunnels).
func (o *Orchestrator) Upstream() (*url.URL, http.RoundTripper, error) {
	host := o.cfg.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, nil, fmt.Errorf("api server address %q: %w", o.cfg.Host, err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, o.hc.Transport, nil
}
