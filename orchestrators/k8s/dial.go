package k8s

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"

	"k8s.io/client-go/rest"

	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/orchestrators"
)

// Restrict confines a client configuration to the cluster-address policy:
// every connection it makes (requests, redirects, watches) is checked on
// the resolved address at connect time. Proxies would connect on BCS's
// behalf unchecked, so the environment's are not used and a kubeconfig
// proxy-url is refused. A nil policy leaves cfg as it is (admins).
func Restrict(cfg *rest.Config, p *netpolicy.Policy) (*rest.Config, error) {
	if p == nil {
		return cfg, nil
	}
	if cfg.Proxy != nil {
		return nil, badKubeconfig("proxy-url is not supported for clusters registered by users who are not platform admins")
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Dial = p.Dialer(&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	cfg.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
	return cfg, nil
}

// RestConfig parses a kubeconfig (see ParseKubeconfig) confined to p.
func RestConfig(kubeconfig []byte, p *netpolicy.Policy) (*rest.Config, error) {
	cfg, err := ParseKubeconfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	return Restrict(cfg, p)
}

// NewRestricted is New confined to p.
func NewRestricted(kubeconfig []byte, p *netpolicy.Policy) (*Orchestrator, error) {
	cfg, err := RestConfig(kubeconfig, p)
	if err != nil {
		return nil, err
	}
	return NewForConfig(cfg)
}

// FactoryWith is Factory confining clusters whose Conn is Restricted to p.
func FactoryWith(p *netpolicy.Policy) orchestrators.Factory {
	return func(_ context.Context, conn orchestrators.Conn) (orchestrators.Orchestrator, error) {
		if !conn.Restricted {
			return New(conn.Kubeconfig)
		}
		return NewRestricted(conn.Kubeconfig, p)
	}
}

// ProbeRestricted is Probe confined to p.
func ProbeRestricted(ctx context.Context, kubeconfig []byte, p *netpolicy.Policy) (*orchestrators.ClusterInfo, error) {
	o, err := NewRestricted(kubeconfig, p)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return o.Probe(ctx)
}
