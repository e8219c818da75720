package kubeproxy

import (
	"net/http"
	"strings"

	"github.com/bcs-io/bcs/internal/auth"
)

// Groups of BCS's identities in the clusters, bound by SyncRBAC.
const (
	userPrefix = "bcs:"
	// AdminGroup holds platform admins.
	AdminGroup = "bcs:admin"
)

// stripCredentials drops every header through which a client could speak
// for someone else or carry its own credential to the cluster: without
// this, an Impersonate-Group: system:masters would ride on BCS's
// credential. A console session's CSRF token is the session's own
// secret, no business of the cluster's. X-Remote-* matter when the API server trusts a front proxy.
func stripCredentials(h http.Header) {
	for k := range h {
		c := http.CanonicalHeaderKey(k)
		if c == "Authorization" || c == "Proxy-Authorization" || c == "Cookie" || c == http.CanonicalHeaderKey(auth.CSRFHeader) ||
			strings.HasPrefix(c, "Impersonate-") || strings.HasPrefix(c, "X-Remote-") {
			delete(h, k)
		}
	}
}

// impersonating sends requests with BCS's credential (the wrapped round
// tripper's) as one BCS user in the groups of their role.
type impersonating struct {
	rt     http.RoundTripper
	user   string
	groups []string
}

func (t *impersonating) RoundTrip(req *http.Request) (*http.Response, error) {
	out := *req
	out.Header = req.Header.Clone()
	stripCredentials(out.Header)
	out.Header.Set("Impersonate-User", userPrefix+t.user)
	out.Header["Impersonate-Group"] = t.groups
	return t.rt.RoundTrip(&out)
}
