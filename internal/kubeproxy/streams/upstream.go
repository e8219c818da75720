package streams

import (
	"net/http"
	"net/url"
)

// Upstream is the cluster a stream goes to, as the proxy resolved and
// authorized it. It has exactly the shape of internal/kubeproxy's Upstream,
// which it mirrors until the two are one type.
type Upstream struct {
	URL       *url.URL          // API server base URL
	Transport http.RoundTripper // BCS's credential and the impersonation headers already applied
	User      string            // BCS user name (without the bcs: prefix)
	ProjectID string
	ClusterID string
	Namespace string
	Pod       string
	// Subresource is exec, attach or portforward.
	Subresource string
	// Path is the request's API path below the proxy's prefix
	// (/api/v1/namespaces/…/pods/…/exec); empty: read from the request.
	Path string
}
