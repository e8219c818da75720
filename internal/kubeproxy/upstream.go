package kubeproxy

import (
	"net/http"
	"net/url"
)

// Upstream is what a stream handler (exec, attach, port-forward) gets to
// reach the pod's API server as the user: requests sent through Transport
// to URL carry BCS's credential and the user's impersonation headers, and
// whatever credential or Impersonate-* header the client sent is dropped.
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
	// (/api/v1/namespaces/…/pods/…/exec), its query in the request.
	Path string
}
