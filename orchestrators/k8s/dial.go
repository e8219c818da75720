package k8s

import (
	"context"
	"errors"
	"fmt"
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
		var policy *netpolicy.Policy
		if conn.Restricted {
			policy = p
		}
		cfg, err := RestConfig(conn.Kubeconfig, policy)
		if err != nil {
			return nil, err
		}
		return NewForConfig(ViaTunnel(cfg, conn.Tunnel))
	}
}

// ViaTunnel makes cfg reach the API server through tunnel while the
// cluster's agent has one connected to this replica, and through cfg's own
// dial (the cluster-address policy's for restricted clusters) otherwise.
// The tunnel is preferred, as Rancher does, rather than tried after a
// failed direct dial: it is connected only because the agent is up, it
// costs no dial timeout when the address is unreachable from BCS (the
// usual reason for a tunnel), and the direct address may be one that is
// reachable but means something else from BCS's network. Proxies are not
// used: the agent dials only its API server, never a proxy. A nil tunnel
// leaves cfg as it is. When neither way works the error wraps
// orchestrators.ErrNoTunnel and says why the direct dial failed.
func ViaTunnel(cfg *rest.Config, tunnel orchestrators.DialFunc) *rest.Config {
	if tunnel == nil {
		return cfg
	}
	cfg = rest.CopyConfig(cfg)
	direct := cfg.Dial
	if direct == nil {
		direct = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	cfg.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
	cfg.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		c, err := tunnel(ctx, network, address)
		if !errors.Is(err, orchestrators.ErrNoTunnel) {
			return c, err
		}
		c, derr := direct(ctx, network, address)
		if derr != nil {
			return nil, fmt.Errorf("%w, and %s did not answer directly: %w", err, address, derr)
		}
		return c, nil
	}
	return cfg
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

// Reach opens and closes one connection to cfg's API server the way cfg's
// clients dial (through ViaTunnel's tunnel first). Informers retry
// forever; a watcher that Reaches first fails at once instead, for
// example on a replica that holds the cluster's datawatch lease but not its
// agent's tunnel, and lets a replica that has the tunnel take over.
func Reach(ctx context.Context, cfg *rest.Config) error {
	u, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return badKubeconfig("%v", err)
	}
	addr, err := HostPort(u.String())
	if err != nil {
		return badKubeconfig("%v", err)
	}
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: DialTimeout}).DialContext
	}
	ctx, cancel := context.WithTimeout(ctx, 2*DialTimeout)
	defer cancel()
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: err.Error(), Err: err}
	}
	return c.Close()
}

// HostPort is the host:port an HTTP client dials for an API server URL
// (the scheme's default port when it names none): what `bcs agent` lets
// through its tunnel, and what Reach dials.
func HostPort(apiServer string) (string, error) {
	u, err := url.Parse(apiServer)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("API server address %q is not a URL", apiServer)
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}
