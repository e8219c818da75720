package streams

import (
	"net/http"
	"net/url"
)

// Upstream is the cluster a stream goes to, as the proxy resolved it. It has
// exactly the shape of internal/kubeproxy's Upstream, which it mirrors until
// the two are one type.
type Upstream struct {
	URL       *url.URL          // API server base URL
	Transport http.RoundTripper // BCS's credential and the impersonation headers already applied
	User      string            // BCS user name (without the bcs: prefix)
	ProjectID string
	ClusterID string
	Namespace string
	Pod       string
}
