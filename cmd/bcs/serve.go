package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/internal/gqlext"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/internal/server"
	"github.com/bcs-io/bcs/internal/storage"
)

func init() { rootCmd.AddCommand(newServeCmd()) }

func newServeCmd() *cobra.Command {
	var (
		listen, database, keyFile string
		trustedDocuments          string
		publicCAFile              string
		tlsCert, tlsKey           string
		releasePages              bool
		cfg                       = server.DefaultConfig
		logs                      logFlags
		walls                     wallFlags
		zookeeper                 zookeeperFlags
		ops                       operationFlags
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the GraphQL API, the console, GraphiQL, health and metrics endpoints",
		Long: `Serve BCS on --listen: GraphQL at /query (POST, GET for queries, websockets for
subscriptions), the console at / (sign-in at /auth/session), GraphiQL at /graphiql,
/healthz, /readyz and /metrics.
Pending database migrations are applied at start, each one logged.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := logs.logger()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			box, err := secrets.Load(os.Getenv("BCS_SECRET_KEY"), keyFile)
			if err != nil {
				return err
			}
			cfg.Secrets = box
			if err := walls.apply(&cfg); err != nil {
				return err
			}
			if err := zookeeper.apply(&cfg); err != nil {
				return err
			}
			if publicCAFile != "" {
				if cfg.KubeProxy.CA, err = os.ReadFile(publicCAFile); err != nil {
					return fmt.Errorf("--public-ca-file: %w", err)
				}
			}
			if err := ops.apply(&cfg); err != nil {
				return err
			}
			if trustedDocuments != "" {
				if cfg.TrustedDocuments, err = gqlext.LoadTrustedDocuments(trustedDocuments); err != nil {
					return err
				}
			}
			if (tlsCert == "") != (tlsKey == "") {
				return errors.New("--tls-cert-file and --tls-key-file go together")
			}
			if tlsCert != "" {
				// Replicas reach each other over https too, trusting
				// --public-ca-file (else the system's roots).
				if cfg.PeerTLS, err = server.PeerTLSConfig(cfg.KubeProxy.CA); err != nil {
					return err
				}
			}
			return serve(ctx, log, listen, database, cfg, tlsCert, tlsKey, releasePages)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", envOr("BCS_LISTEN", ":8080"), "address to listen on (BCS_LISTEN)")
	f.StringVar(&database, "database", envOr("BCS_DATABASE", "sqlite://bcs.db"), "sqlite://PATH or postgres://… (BCS_DATABASE)")
	f.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "largest request body accepted")
	f.IntVar(&cfg.MaxDepth, "max-depth", cfg.MaxDepth, "deepest selection accepted")
	f.IntVar(&cfg.MaxComplexity, "max-complexity", cfg.MaxComplexity, "highest query complexity accepted (1 per field, a connection's children counted first/last times)")
	f.IntVar(&cfg.MaxAliases, "max-aliases", cfg.MaxAliases, "most aliases accepted in one document")
	f.DurationVar(&cfg.QueryTimeout, "query-timeout", cfg.QueryTimeout, "time limit for one query or mutation (HTTP, websocket and SSE)")
	f.IntVar(&cfg.MaxDocumentBytes, "max-document-bytes", cfg.MaxDocumentBytes, "largest query document accepted, checked before parsing")
	f.IntVar(&cfg.MaxDocumentTokens, "max-document-tokens", cfg.MaxDocumentTokens, "most lexical tokens in one query document, checked before parsing")
	f.IntVar(&cfg.MaxDocumentNodes, "max-document-nodes", cfg.MaxDocumentNodes, "most selections in one document with fragments expanded, checked before validation")
	f.IntVar(&cfg.MaxDocumentMerges, "max-document-merges", cfg.MaxDocumentMerges, "most comparisons of same-named fields validation may make for one document, checked before validation")
	f.IntVar(&cfg.MaxPageSize, "max-page-size", cfg.MaxPageSize, "largest first/last accepted on a connection")
	f.IntVar(&cfg.DefaultPageSize, "default-page-size", cfg.DefaultPageSize, "page a connection queried without first/last returns (and complexity counts)")
	f.IntVar(&cfg.MaxOperationsPerConnection, "max-operations-per-connection", cfg.MaxOperationsPerConnection, "most operations running at once on one websocket (0: unlimited)")
	f.IntVar(&cfg.MaxConnectionsPerToken, "max-connections-per-token", cfg.MaxConnectionsPerToken, "most open websockets per API token (0: unlimited)")
	f.IntVar(&cfg.MaxStreamsPerToken, "max-streams-per-token", cfg.MaxStreamsPerToken, "most open SSE streams per API token (0: unlimited)")
	f.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", cfg.ReadHeaderTimeout, "time a client has to send a request's headers")
	f.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "time a client has to send a whole request, body included (streams and websockets are not cut)")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "time an idle keep-alive connection stays open")
	f.StringSliceVar(&cfg.MetricOperations, "metric-operations", cfg.MetricOperations, "operation names always labelled in /metrics")
	f.IntVar(&cfg.MaxMetricOperations, "max-metric-operations", cfg.MaxMetricOperations, "how many other operation names /metrics labels (first seen); the rest count as \"other\"")
	f.Float64Var(&cfg.RatePerSecond, "rate-limit", cfg.RatePerSecond, "requests per second per API token (0: unlimited)")
	f.IntVar(&cfg.RateBurst, "rate-burst", cfg.RateBurst, "burst size of the per-token rate limit")
	f.StringVar(&keyFile, "secret-key-file", envOr("BCS_SECRET_KEY_FILE", "bcs.key"), "AES key for credentials at rest, created on first start (BCS_SECRET_KEY, base64, takes precedence)")
	f.StringSliceVar(&cfg.ZooKeeper, "zookeeper", splitEnv("BCS_ZOOKEEPER"), "ZooKeeper servers (host:port,…) for the Mesos scheduler's state and leader election (BCS_ZOOKEEPER)")
	f.StringVar(&cfg.Advertise, "advertise", envOr("BCS_ADVERTISE", ""), "host:port other replicas reach this one at, for service discovery and Mesos scheduler forwarding (BCS_ADVERTISE; default: the listen address)")
	f.StringSliceVar(&cfg.AllowedOrigins, "allowed-origins", nil, "origins besides the server's own that may open websockets")
	f.DurationVar(&cfg.RetainChanges, "retain-changes", 7*24*time.Hour, "keep change-log entries this long")
	f.IntVar(&cfg.RetainChangeCount, "retain-change-count", 1_000_000, "keep at most this many change-log entries")
	f.DurationVar(&cfg.SessionTTL, "session-ttl", 12*time.Hour, "how long an unused console session lives (never past its API token's expiry)")
	f.BoolVar(&cfg.SecureCookies, "secure-cookies", false, "mark the console's session cookie Secure on plain HTTP too (behind a TLS-terminating proxy)")
	f.BoolVar(&cfg.PublicIntrospection, "public-introspection", cfg.PublicIntrospection, "allow schema introspection without a token")
	f.StringVar(&cfg.KubeProxy.PublicURL, "public-url", envOr("BCS_PUBLIC_URL", ""), "BCS's URL as kubectl reaches it, for generated kubeconfigs (BCS_PUBLIC_URL; default: the scheme and host of the kubeconfig query)")
	f.StringVar(&tlsCert, "tls-cert-file", envOr("BCS_TLS_CERT_FILE", ""), "serve HTTPS with this PEM certificate (chain) instead of HTTP; kubectl sends tokens over HTTPS only (BCS_TLS_CERT_FILE)")
	f.StringVar(&tlsKey, "tls-key-file", envOr("BCS_TLS_KEY_FILE", ""), "the PEM private key of --tls-cert-file (BCS_TLS_KEY_FILE)")
	f.StringVar(&publicCAFile, "public-ca-file", "", "PEM CA of BCS's TLS certificate, embedded in generated kubeconfigs and trusted for other replicas' certificates")
	f.DurationVar(&cfg.KubeProxy.IdleTimeout, "kube-proxy-idle-timeout", cfg.KubeProxy.IdleTimeout, "end a watch or followed log through the Kubernetes proxy that sent nothing for this long (0: never)")
	f.DurationVar(&cfg.KubeProxy.MaxDuration, "kube-proxy-max-duration", cfg.KubeProxy.MaxDuration, "end a watch, followed log or exec stream through the Kubernetes proxy after this long (0: never)")
	f.IntVar(&cfg.KubeProxy.MaxStreamsPerToken, "kube-proxy-max-streams-per-token", cfg.KubeProxy.MaxStreamsPerToken, "most watches, followed logs and exec streams one token holds open through the Kubernetes proxy (0: unlimited)")
	cfg.KubeProxy.Streams.RegisterFlags(f)
	walls.register(f)
	zookeeper.register(f)
	ops.register(f)
	f.StringVar(&trustedDocuments, "trusted-documents", envOr("BCS_TRUSTED_DOCUMENTS", ""), "run only the GraphQL documents in this JSON file (sha256 → document, or an Apollo persisted query manifest); others are refused (BCS_TRUSTED_DOCUMENTS)")
	f.BoolVar(&releasePages, "release-startup-pages", true, "once ready, give back the executable's read-only pages start-up faulted in (MADV_PAGEOUT; Linux)")
	logs.register(cmd)
	return cmd
}

func serve(ctx context.Context, log *slog.Logger, listen, database string, cfg server.Config, tlsCert, tlsKey string, releasePages bool) error {
	start := time.Now()
	db, err := storage.Open(ctx, database)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, log); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := clusters.ResealLegacy(ctx, db.Client, cfg.Secrets, log); err != nil {
		return err
	}
	if _, err := clusters.RedactEndpoints(ctx, db.Client); err != nil {
		return err
	}
	if n, err := db.Client.User.Query().Count(auth.System(ctx)); err == nil && n == 0 {
		log.Warn("no users yet: create the first admin token with `bcs token create --user admin --admin --database " + redactURL(database) + "`")
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.Advertise == "" {
		cfg.Advertise = advertiseAddr(ln.Addr())
	}
	handler := server.New(db, log, cfg)
	defer handler.Close()
	handler.Start()
	srv := handler.HTTPServer()
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	scheme := "http://"
	if tlsCert != "" {
		scheme = "https://"
	}
	log.Info("serving BCS", "addr", ln.Addr().String(), "database", redactURL(database),
		"console", scheme+displayAddr(ln.Addr())+"/", "graphiql", scheme+displayAddr(ln.Addr())+"/graphiql", "startup", time.Since(start).Round(time.Millisecond))
	errc := make(chan error, 1)
	go func() {
		if tlsCert != "" {
			errc <- srv.ServeTLS(ln, tlsCert, tlsKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	if releasePages {
		go releaseStartupPages(ctx, log, srv.Handler)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil || host == "::" || host == "0.0.0.0" || host == "" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func splitEnv(key string) []string {
	if v := os.Getenv(key); v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

// advertiseAddr is where other replicas reach this one: the listen address,
// or the host name when listening on every interface.
func advertiseAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	return net.JoinHostPort(host, port)
}
