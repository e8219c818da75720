package k8s

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bcs-io/bcs/orchestrators"
)

// FieldManager is the server-side apply manager BCS writes as.
const FieldManager = "bcs"

// Timeouts on every request: a dead address fails at dial, a stuck server
// at the request timeout, whatever context the caller passes.
const (
	DialTimeout    = 5 * time.Second
	RequestTimeout = 30 * time.Second
	ProbeTimeout   = 10 * time.Second
)

// Orchestrator implements orchestrators.Orchestrator for one cluster.
type Orchestrator struct {
	cfg    *rest.Config
	hc     *http.Client // shared by all clients below; Close drops its connections
	cs     kubernetes.Interface
	dyn    dynamic.Interface
	mapper meta.ResettableRESTMapper
	h1     struct { // HTTP/1.1 transport for the proxy's upgrades (upstream.go)
		once sync.Once
		rt   http.RoundTripper
		err  error
	}
}

var _ orchestrators.Orchestrator = (*Orchestrator)(nil)

// Factory builds Orchestrators for the Router from a Conn's kubeconfig.
func Factory(_ context.Context, conn orchestrators.Conn) (orchestrators.Orchestrator, error) {
	return New(conn.Kubeconfig)
}

// New builds an Orchestrator from a kubeconfig without contacting the
// cluster. A malformed kubeconfig is ErrBadInput.
func New(kubeconfig []byte) (*Orchestrator, error) {
	cfg, err := ParseKubeconfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	return NewForConfig(cfg)
}

// NewForConfig builds an Orchestrator from a rest.Config, adding the
// timeouts when it has none.
func NewForConfig(cfg *rest.Config) (*Orchestrator, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.Timeout == 0 {
		cfg.Timeout = RequestTimeout
	}
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	cfg.UserAgent = "bcs"
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, badKubeconfig("%v", err)
	}
	cs, err := kubernetes.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, badKubeconfig("%v", err)
	}
	dyn, err := dynamic.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, badKubeconfig("%v", err)
	}
	// Discovery runs lazily, on the first mapping, and is cached.
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cs.Discovery()))
	return &Orchestrator{cfg: cfg, hc: hc, cs: cs, dyn: dyn, mapper: mapper}, nil
}

// ParseKubeconfig parses and validates a kubeconfig for use by the BCS
// server. Credentials that would make the server read its own files or run
// commands (exec and auth-provider plugins, *-file paths) are refused.
func ParseKubeconfig(kubeconfig []byte) (*rest.Config, error) {
	if len(bytes.TrimSpace(kubeconfig)) == 0 {
		return nil, badKubeconfig("it is empty")
	}
	raw, err := clientcmd.Load(kubeconfig)
	if err != nil {
		return nil, badKubeconfig("not valid kubeconfig YAML: %v", err)
	}
	// Checked before ClientConfig, whose complaints about exec plugins
	// (interactive mode) would hide the real reason.
	if c := raw.Contexts[raw.CurrentContext]; c != nil {
		if a := raw.AuthInfos[c.AuthInfo]; a != nil && (a.Exec != nil || a.AuthProvider != nil) {
			return nil, badKubeconfig("exec and auth-provider credentials are not supported; use a token or a client certificate")
		}
	}
	cfg, err := clientcmd.NewDefaultClientConfig(*raw, &clientcmd.ConfigOverrides{}).ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		return nil, badKubeconfig("it defines no cluster, user or current-context")
	}
	if err != nil {
		return nil, badKubeconfig("%v", err)
	}
	switch {
	case cfg.ExecProvider != nil || cfg.AuthProvider != nil:
		return nil, badKubeconfig("exec and auth-provider credentials are not supported; use a token or a client certificate")
	case cfg.BearerTokenFile != "" || cfg.CAFile != "" || cfg.CertFile != "" || cfg.KeyFile != "":
		return nil, badKubeconfig("file references are not supported; embed the data (certificate-authority-data, token, …)")
	case cfg.Host == "":
		return nil, badKubeconfig("the cluster has no server address")
	}
	return cfg, nil
}

func badKubeconfig(format string, args ...any) error {
	return orchestrators.BadInput("kubeconfig", format, args...)
}

// Close drops idle connections.
func (o *Orchestrator) Close() error {
	// Not o.hc.CloseIdleConnections: client-go wraps the transport in
	// round-trippers (user agent, bearer token) that do not pass it on.
	utilnet.CloseIdleConnectionsFor(o.hc.Transport)
	return nil
}

// Clientset exposes the typed client, for callers (datawatch) that need
// more than the Orchestrator interface.
func (o *Orchestrator) Clientset() kubernetes.Interface { return o.cs }
