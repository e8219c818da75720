package k8s

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"k8s.io/client-go/rest"
)

// Upstream is where the cluster's API server is and the round tripper
// that reaches it with BCS's credential, for the Kubernetes proxy
// (internal/kubeproxy). Ordinary requests share the Orchestrator's own
// pooled transport, without the client's timeout, so watches live on; it
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
	return u, upstream{o}, nil
}

// upstream sends upgrades other than websockets (SPDY: exec, attach and
// port-forward of older clients) over HTTP/1.1, where they can be
// upgraded; Go's transport does so for websockets alone, and would send
// them over a pooled HTTP/2 connection.
type upstream struct{ o *Orchestrator }

func (u upstream) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Upgrade") == "" || strings.EqualFold(req.Header.Get("Upgrade"), "websocket") {
		return u.o.hc.Transport.RoundTrip(req)
	}
	rt, err := u.o.http1()
	if err != nil {
		return nil, err
	}
	return rt.RoundTrip(req)
}

// http1 is the Orchestrator's configuration as an HTTP/1.1-only
// transport, built on first use.
func (o *Orchestrator) http1() (http.RoundTripper, error) {
	o.h1.once.Do(func() {
		cfg := rest.CopyConfig(o.cfg)
		cfg.TLSClientConfig.NextProtos = []string{"http/1.1"}
		o.h1.rt, o.h1.err = rest.TransportFor(cfg)
	})
	return o.h1.rt, o.h1.err
}
