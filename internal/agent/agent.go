// Package agent is `bcs agent`: it runs next to (or inside) a Kubernetes
// cluster, keeps a service account with a short-lived token for BCS, and
// reports the API server's address, CA and that token to BCS every
// interval. The first report presents the one-time register token; BCS
// answers with an agent key used for every later report.
//
// With that key it also keeps an outbound websocket tunnel to BCS
// (internal/tunnel), through which BCS reaches the API server when it
// cannot dial the reported address itself (the cluster is behind NAT).
// Through the tunnel the agent connects BCS only to its own API server.
package agent

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bcs-io/bcs/internal/tunnel"
	"github.com/bcs-io/bcs/orchestrators/k8s"
)

// Config configures an agent.
type Config struct {
	Server    string // BCS base URL, e.g. https://bcs.example.com
	Token     string // one-time register token
	Interval  time.Duration
	Namespace string // where the service account lives (kube-system)
	Rest      *rest.Config
	Log       *slog.Logger
	HTTP      *http.Client
	// Advertise is the API server URL reported to BCS (default: Rest.Host).
	// BCS dials it directly when it can, and asks for it through the
	// tunnel otherwise; the agent connects such requests to Rest.Host.
	Advertise string
	// NoTunnel keeps the agent from opening its tunnel to BCS.
	NoTunnel bool
}

const account = "bcs-agent"

// Run reports until ctx ends. Failed reports are logged and retried at the
// next tick; the agent itself never gives up.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Interval <= 0 {
		cfg.Interval = 60 * time.Second
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "kube-system"
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	cs, err := kubernetes.NewForConfig(cfg.Rest)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	if cfg.Advertise == "" {
		cfg.Advertise = cfg.Rest.Host
	}
	a := &agent{cfg: cfg, cs: cs, key: cfg.Token}
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	// A tunnel that (re)connects asks for a report at once: BCS probes the
	// cluster through it and need not wait an interval to find it reachable.
	kick := make(chan struct{}, 1)
	tunnelDone := make(chan struct{})
	close(tunnelDone)
	defer func() { <-tunnelDone }()
	for {
		if err := a.report(ctx); err != nil {
			cfg.Log.Warn("report to BCS failed", "err", err)
		} else if !cfg.NoTunnel && !a.tunnel {
			tc, err := a.tunnelClient(func() {
				select {
				case kick <- struct{}{}:
				default:
				}
			})
			a.tunnel = true
			if err != nil {
				// Reports still work; BCS then needs the address itself.
				cfg.Log.Error("agent tunnel disabled", "err", err)
			} else {
				tunnelDone = make(chan struct{})
				go func(done chan struct{}) { defer close(done); tc.Run(ctx) }(tunnelDone)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-kick:
		}
	}
}

// tunnelClient is the tunnel to BCS, open to the advertised API server
// address only and connecting it to the one the agent reaches.
func (a *agent) tunnelClient(onConnect func()) (*tunnel.Client, error) {
	allow, err := k8s.HostPort(a.cfg.Advertise)
	if err != nil {
		return nil, err
	}
	target, err := k8s.HostPort(a.cfg.Rest.Host)
	if err != nil {
		return nil, err
	}
	var tlsCfg *tls.Config
	if tr, ok := a.cfg.HTTP.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
		tlsCfg = tr.TLSClientConfig.Clone()
	}
	return &tunnel.Client{Server: a.cfg.Server, Key: a.key, Allow: allow, Target: target, TLS: tlsCfg,
		Log: a.cfg.Log, OnConnect: onConnect}, nil
}

type agent struct {
	cfg       Config
	cs        kubernetes.Interface
	key       string
	saToken   string
	saExpires time.Time
	tunnel    bool // started
}

func (a *agent) report(ctx context.Context) error {
	if time.Until(a.saExpires) < 30*time.Minute {
		if err := a.refreshToken(ctx); err != nil {
			return err
		}
	}
	body, _ := json.Marshal(map[string]string{
		"token":               a.key,
		"apiServer":           a.cfg.Advertise,
		"caData":              base64.StdEncoding.EncodeToString(caData(a.cfg.Rest)),
		"serviceAccountToken": a.saToken,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.Server+"/agent/v1/report", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.cfg.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("post report: %w", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("BCS answered %d: %s", res.StatusCode, bytes.TrimSpace(b))
	}
	var ack struct{ ClusterID, AgentKey string }
	if err := json.Unmarshal(b, &ack); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	if ack.AgentKey != "" {
		a.key = ack.AgentKey
		a.cfg.Log.Info("registered with BCS", "cluster", ack.ClusterID)
	}
	return nil
}

// refreshToken makes sure the service account and its cluster-admin binding
// exist, then requests a fresh two-hour token for it.
func (a *agent) refreshToken(ctx context.Context) error {
	ns := a.cfg.Namespace
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: account, Namespace: ns}}
	if _, err := a.cs.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create service account: %w", err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: account},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: account, Namespace: ns}},
	}
	if _, err := a.cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("bind service account: %w", err)
	}
	ttl := int64(2 * 60 * 60)
	tr, err := a.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, account,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: &ttl}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("request service account token: %w", err)
	}
	a.saToken, a.saExpires = tr.Status.Token, tr.Status.ExpirationTimestamp.Time
	return nil
}

func caData(cfg *rest.Config) []byte {
	if len(cfg.CAData) > 0 {
		return cfg.CAData
	}
	if cfg.CAFile != "" {
		if b, err := os.ReadFile(cfg.CAFile); err == nil {
			return b
		}
	}
	return nil
}
