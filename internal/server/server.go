// Package server assembles BCS's HTTP server: the GraphQL endpoint with its
// transports, the extensions of internal/gqlext and its metrics; GraphiQL;
// the console at / and its sign-in (session.go); health, readiness and
// Prometheus endpoints; request ids and access logs.
package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/hub"
	"github.com/bcs-io/bcs/datawatch/lease"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/internal/follow"
	"github.com/bcs-io/bcs/internal/gqlext"
	"github.com/bcs-io/bcs/internal/kubeproxy"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/internal/redact"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/transport"
	"github.com/bcs-io/bcs/internal/tunnel"
	"github.com/bcs-io/bcs/internal/zkutil"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
	"github.com/bcs-io/bcs/orchestrators/mesos"
	"github.com/bcs-io/bcs/resolvers"
	"github.com/bcs-io/bcs/web"
)

// Limits bound what one request may ask of the server.
type Limits struct {
	MaxBodyBytes  int64         // POST body size (413 above it)
	MaxDepth      int           // selection depth
	MaxComplexity int           // 1 per field; a connection's children count first/last times
	MaxAliases    int           // aliased fields per document
	QueryTimeout  time.Duration // per query or mutation, over every transport
	Caps                        // the rest (limits.go)
}

// DefaultLimits are sane for a frontend and GraphiQL.
var DefaultLimits = Limits{
	MaxBodyBytes:  1 << 20,
	MaxDepth:      15,
	MaxComplexity: 20000,
	MaxAliases:    30,
	QueryTimeout:  30 * time.Second,
	Caps:          DefaultCaps,
}

// Config is everything about the server an operator can set.
type Config struct {
	Limits
	// RatePerSecond and RateBurst size each token's bucket (0: no limit).
	RatePerSecond float64
	RateBurst     int
	// PublicIntrospection lets callers without a token introspect the schema.
	PublicIntrospection bool
	// Secrets seals cluster credentials at rest; required.
	Secrets *secrets.Box
	// HealthInterval is how often clusters are probed; AgentStaleAfter how
	// long an agent may stay silent before its cluster is UNREACHABLE.
	HealthInterval, AgentStaleAfter time.Duration
	// Datawatch: how often the cluster list is re-read, the watcher lease
	// term, and change-log retention (by age and by count).
	WatchInterval, WatchLeaseTTL time.Duration
	RetainChanges                time.Duration
	RetainChangeCount            int
	// Replica names this server in leases and service discovery; default
	// host-pid. Advertise is the host:port other replicas and tools reach it at.
	Replica, Advertise string
	// PeerTLS, set when the replicas serve HTTPS (PeerTLSConfig), is how
	// they reach each other: each registers its port as curator's sslPort,
	// and Mesos scheduler calls and agent tunnels are forwarded over https.
	PeerTLS *tls.Config
	// ZooKeeper servers hold the Mesos scheduler's state; without them no
	// Mesos cluster can be registered. ZooKeeperAuth (user:password, digest
	// scheme) makes BCS's nodes writable by that identity only.
	ZooKeeper     []string
	ZooKeeperAuth []zkutil.Option
	// ZooKeeperSessionTimeout and ZooKeeperElectionGrace decide how soon a
	// standby takes over from a crashed replica (zero: zkutil's defaults).
	ZooKeeperSessionTimeout, ZooKeeperElectionGrace time.Duration
	// ClusterNetworks is the cluster-address policy for users who are not
	// platform admins (--cluster-networks); nil: netpolicy.Default().
	ClusterNetworks *netpolicy.Policy
	// AllowedOrigins may open websockets besides the server's own origin
	// (e.g. "https://console.example.com"; "*" allows any).
	AllowedOrigins []string
	// SessionTTL is how long an unused console session lives (default
	// 12h; never past its token's expiry). SecureCookies marks the
	// session cookie Secure even on plain HTTP, for a server behind a
	// TLS-terminating proxy (it is Secure on TLS connections anyway).
	SessionTTL    time.Duration
	SecureCookies bool
	// ConsoleAssets replaces the console's embedded build (tests); nil:
	// the embedded web/console/dist.
	ConsoleAssets fs.FS
	// Operations: the liveness lease term of the process running them, how
	// often survivors look for a dead replica's operations, and how long a
	// stopping replica lets them finish before handing them back (zero:
	// operations' defaults).
	OperationLeaseTTL, OperationReapInterval, OperationShutdownGrace time.Duration
	// TrustedDocuments, when set, is the only GraphQL run (by text or by
	// persisted query hash); without it clients may use APQ.
	TrustedDocuments gqlext.TrustedDocuments
	// KubeProxy configures the Kubernetes proxy (/clusters/{id}/k8s).
	KubeProxy KubeProxyConfig
}

// DefaultConfig is what `bcs serve` starts with.
var DefaultConfig = Config{Limits: DefaultLimits, RatePerSecond: 50, RateBurst: 100, KubeProxy: DefaultKubeProxy}

// Server is BCS's HTTP handler and what it depends on.
type Server struct {
	db       *storage.DB
	log      *slog.Logger
	metrics  *metrics
	cfg      Config
	limits   Limits
	authn    *auth.Authenticator
	sessions *auth.Sessions // console sign-ins (session.go)
	limiter  *limiter
	wsSlots  *slots // websockets per token
	sseSlots *slots // SSE streams per token
	router   *orchestrators.Router
	ops      *operations.Runner
	clusters *clusters.Service
	registry *clusters.Registry
	tunnels  *tunnel.Server    // agents' tunnels ending on this replica
	policy   *netpolicy.Policy // cfg.ClusterNetworks or the default
	replica  string
	started  time.Time
	zk       atomic.Pointer[zkutil.Session] // while registered for discovery
	zkShared sharedSession
	log_     *changelog.Log
	writer   *changelog.Writer
	hub      *hub.Hub
	bg       sync.WaitGroup
	tasks    []func() // started by Start
	start    sync.Once
	stop     context.CancelFunc
	lifetime context.Context // ends with Close; open websockets then get 1001
	share    *transport.Sharing
	follows  *follow.Registry // shared polls of the object-following subscriptions
	handler  http.Handler
}

// New builds the server over an open, migrated database. It starts
// nothing: Start runs its background work (datawatch, the health monitor,
// identity events, ZooKeeper discovery); Close stops it.
func New(db *storage.DB, log *slog.Logger, cfg Config) *Server {
	s := &Server{db: db, log: log, metrics: newMetrics(), cfg: cfg, limits: cfg.Limits,
		authn:   &auth.Authenticator{Client: db.Client},
		limiter: newLimiter(cfg.RatePerSecond, cfg.RateBurst),
		wsSlots: newSlots(cfg.MaxConnectionsPerToken), sseSlots: newSlots(cfg.MaxStreamsPerToken),
		router: orchestrators.NewRouter(), policy: cfg.ClusterNetworks}
	if s.policy == nil {
		s.policy = netpolicy.Default()
	}
	s.sessions = auth.NewSessions(s.authn, cfg.SessionTTL)
	s.metrics.labelNames(cfg.MetricOperations, cfg.MaxMetricOperations)
	s.router.Register(orchestrators.KindK8s, k8s.FactoryWith(s.policy))
	if len(cfg.ZooKeeper) > 0 {
		s.router.Register(orchestrators.KindMesos, mesos.Factory(s.mesosBase(), mesos.WithRPCKey(s.mesosRPCKey), mesos.WithRetired(s.clusterRemoved)))
	}
	s.ops = &operations.Runner{Client: db.Client, Router: s.router, Box: cfg.Secrets, Log: log,
		Leases: lease.New(db), LeaseTTL: cfg.OperationLeaseTTL, ReapInterval: cfg.OperationReapInterval,
		ShutdownGrace: cfg.OperationShutdownGrace, Replayers: resolvers.Replayers()}
	s.metrics.registry.MustRegister(s.ops.Collectors()...)
	s.clusters = &clusters.Service{Client: db.Client, Connector: clusters.Connector{Router: s.router, Box: cfg.Secrets},
		Policy: s.policy, Mesos: len(cfg.ZooKeeper) > 0, Log: log}
	s.registry = &clusters.Registry{Client: db.Client, Box: cfg.Secrets, Probe: s.clusters.ProbeVia}

	s.wireTunnels()
	ctx, stop := context.WithCancel(context.Background())
	s.stop, s.lifetime = stop, ctx
	s.share = transport.NewSharing(shareKey)
	s.follows = follow.New(auth.System(ctx), 500*time.Millisecond)
	s.replica, s.started = cfg.Replica, time.Now()
	if s.replica == "" {
		host, _ := os.Hostname()
		s.replica = fmt.Sprintf("%s-%d-%p", host, os.Getpid(), s)
	}
	s.ops.ID = operations.RunnerID(s.replica)
	s.tasks = append(s.tasks, s.ops.Begin)
	if len(cfg.ZooKeeper) > 0 && cfg.Advertise != "" {
		s.background(ctx, s.register)
	}
	s.startTunnelPeers(ctx)
	if len(cfg.ZooKeeper) > 0 && len(cfg.ZooKeeperAuth) > 0 {
		s.background(ctx, s.adoptZooKeeperNodes)
	}
	monitor := &clusters.Monitor{Registry: s.registry, Log: log, Interval: cfg.HealthInterval, StaleAfter: cfg.AgentStaleAfter}
	s.background(ctx, func(ctx context.Context) error { monitor.Run(ctx); return nil })
	s.startDatawatch(ctx)
	s.startIdentity(ctx)
	s.background(ctx, s.purgeSessions)
	mux := http.NewServeMux()
	mux.Handle("/query", kubeproxy.WithBaseURL(s.withAuth(s.graphql())))
	kp := s.kubeProxy() // only under …/k8s: the console may route other /clusters/ paths
	mux.Handle("/clusters/{clusterID}/k8s", kp)
	mux.Handle("/clusters/{clusterID}/k8s/", kp)
	mux.HandleFunc("POST /agent/v1/report", s.agentReport)
	mux.HandleFunc("GET "+tunnel.Path, s.agentTunnel)
	mux.Handle(mesosRPCPrefix, s.mesosRPC()) // its own signature, not GraphQL's token
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/auth/session", s.sessionEndpoint)
	graphiql := web.Handler(web.Options{Title: "BCS GraphiQL", Endpoint: "/query", SubscriptionEndpoint: "/query"})
	mux.Handle("/graphiql", graphiql)
	mux.Handle("/graphiql/", graphiql)
	mux.Handle("/", web.Console(web.ConsoleOptions{Assets: cfg.ConsoleAssets, Reserved: []string{"/auth/", "/agent/", "/query/", mesosRPCPrefix}}))
	s.handler = withRequestID(withAccessLog(log, mux))
	return s
}

// Start runs the server's background work until Close; calls after the
// first do nothing.
func (s *Server) Start() {
	s.start.Do(func() {
		for _, run := range s.tasks {
			run()
		}
	})
}

// Close stops the health monitor and lets operations still running against
// clusters finish, handing back to the other replicas those that outlast
// the shutdown grace (operations.Runner.Close).
func (s *Server) Close() {
	s.stop()
	s.tunnels.Close() // agents reconnect at once, elsewhere or to the next server
	s.bg.Wait()
	s.ops.Close()
	_ = s.router.Close()
	s.closeZooKeeper()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) graphql() http.Handler {
	srv := handler.New(resolvers.NewSchema(&resolvers.Resolver{
		Client: s.db.Client, Auth: s.authn, Ops: s.ops, Box: s.cfg.Secrets, Clusters: s.clusters,
		Log: s.log_, Hub: s.hub,
		ListReplicas: s.replicas, Follows: s.follows,
		KubeProxy: resolvers.KubeProxy{PublicURL: s.cfg.KubeProxy.PublicURL, CA: s.cfg.KubeProxy.CA},
	}))
	// Order matters: HTTP claims every request without an Upgrade header,
	// so the websocket and SSE transports go first.
	srv.AddTransport(transport.WebSocket{InitFunc: s.capConnections(s.websocketInit), CheckOrigin: s.checkOrigin, Logger: s.log,
		Context: s.lifetime, Share: s.share, Admit: s.admit})
	srv.AddTransport(gqltransport.Options{AllowedMethods: []string{"GET", "POST", "OPTIONS"}})
	srv.AddTransport(transport.SSE{MaxBodyBytes: s.limits.MaxBodyBytes, Logger: s.log, Open: s.openStream})
	srv.AddTransport(transport.HTTP{MaxBodyBytes: s.limits.MaxBodyBytes})
	docs := gqlext.NewDocumentCache(s.metrics.registry)
	srv.SetQueryCache(docs)
	srv.Use(extension.Introspection{})
	// Limits probe the cache unseen by its hit/miss counts (docs.Cache),
	// and run before persisted documents: a hash-only request passes, its
	// text was checked when it was first sent.
	srv.Use(s.queryLimits(docs.Cache))
	srv.Use(gqlext.NewPersistedDocuments(s.cfg.TrustedDocuments))
	srv.Use(gqlext.OperationTimeout(s.limits.QueryTimeout))
	srv.Use(gqlext.AnonymousIntrospection{})
	srv.AroundFields(gqlext.DefaultPage(s.limits.DefaultPageSize))
	srv.AroundOperations(resolvers.LimitChartFetches)
	srv.Use(s.metrics)
	srv.Use(&gqlext.Auditor{Client: s.db.Client, Log: s.log, Digest: redact.KeyedBy(s.cfg.Secrets), RequestID: RequestID})
	p := &gqlext.Presenter{Log: s.log, RequestID: RequestID,
		Count: func(code string) { s.metrics.errors.WithLabelValues(code).Inc() }}
	srv.SetErrorPresenter(p.Present)
	srv.SetRecoverFunc(p.Recover)
	return s.countSlowBodies(withTimeout(s.limits.QueryTimeout, srv))
}

// admit vets every operation started on a socket: who asks (a revoked
// token or changed membership closes the socket) before how much.
func (s *Server) admit(ctx context.Context) (context.Context, error) {
	ctx, err := s.admitViewer(ctx)
	if err != nil {
		return ctx, err
	}
	return s.admitLimits(ctx)
}

// withTimeout bounds queries and mutations; subscriptions (websocket, SSE) live on.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" || (transport.SSE{}).Supports(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
