package server

import (
	"context"
	"net/http"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/kubeproxy"
	"github.com/bcs-io/bcs/internal/kubeproxy/streams"
)

// KubeProxyConfig configures the Kubernetes proxy, /clusters/{id}/k8s.
type KubeProxyConfig struct {
	// PublicURL and CA go into kubeconfigs (resolvers.KubeProxy).
	PublicURL string
	CA        []byte
	// IdleTimeout and MaxDuration end watches, followed logs and streams
	// that stay silent or open too long (zero: no limit).
	IdleTimeout, MaxDuration time.Duration
	// MaxStreamsPerToken bounds the watches, followed logs and streams one
	// token holds open through the proxy (0: unlimited).
	MaxStreamsPerToken int
	// Streams configures exec, attach and port-forward sessions (their
	// limits and recording size); Store, Log and Metrics are the server's.
	Streams streams.Options
}

// DefaultKubeProxy is what `bcs serve` starts with.
var DefaultKubeProxy = KubeProxyConfig{IdleTimeout: 30 * time.Minute, MaxDuration: 4 * time.Hour, MaxStreamsPerToken: 256}

// kubeProxy builds the proxy's handler and has every Kubernetes cluster
// registered from now on get BCS's RBAC bindings.
func (s *Server) kubeProxy() http.Handler {
	sync := func(ctx context.Context, c *ent.Cluster) {
		if _, err := s.ops.Start(ctx, kubeproxy.SyncJob(c)); err != nil {
			s.log.ErrorContext(ctx, "start RBAC sync of a new cluster", "cluster", c.ID, "err", err)
		}
	}
	s.clusters.Registered = sync
	s.registry.Registered = func(ctx context.Context, c *ent.Cluster) { sync(auth.System(ctx), c) }
	so := s.cfg.KubeProxy.streamOptions()
	so.Store = &streams.EntStore{Client: s.db.Client, RequestID: RequestID}
	so.Log, so.Metrics = s.log, s.metrics.registry
	return &kubeproxy.Handler{Streams: streams.New(so).ServeStream, Client: s.db.Client, Auth: s.authn, Session: s.kubeProxySession, Upstream: s.clusters.Upstream,
		IdleTimeout: s.cfg.KubeProxy.IdleTimeout, MaxDuration: s.cfg.KubeProxy.MaxDuration,
		Allow: s.limiter.allow, Hold: newSlots(s.cfg.KubeProxy.MaxStreamsPerToken).acquire, Metrics: kubeproxy.NewMetrics(s.metrics.registry), Log: s.log, RequestID: RequestID}
}

// streamOptions are the exec session limits: one time limit for every
// stream unless --exec-max-duration sets its own.
func (c KubeProxyConfig) streamOptions() streams.Options {
	so := c.Streams
	if so.MaxDuration == 0 {
		so.MaxDuration = c.MaxDuration
	}
	return so
}
