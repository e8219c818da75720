package k8s_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
)

// A confined client reaches only what the policy permits: the loopback
// control plane is refused under the default policy, before any request,
// and reached with loopback listed or with no policy (admins).
func TestRestrictedClientsStayInsideThePolicy(t *testing.T) {
	_, err := k8s.ProbeRestricted(ctx(t), env.Kubeconfig, netpolicy.Default())
	if !errors.Is(err, netpolicy.ErrForbidden) || orchestrators.KindOf(err) != orchestrators.ErrUnreachable {
		t.Fatalf("probe of loopback under the default policy: %v", err)
	}
	lo, _ := netpolicy.Parse([]string{"127.0.0.0/8"})
	for _, p := range []*netpolicy.Policy{lo, nil} {
		if info, err := k8s.ProbeRestricted(ctx(t), env.Kubeconfig, p); err != nil || info.Nodes == 0 {
			t.Fatalf("probe under %v: %+v, %v", p, info, err)
		}
	}
	// The Router's factory confines only restricted clusters.
	f := k8s.FactoryWith(netpolicy.Default())
	for restricted, wantErr := range map[bool]bool{true: true, false: false} {
		o, err := f(ctx(t), orchestrators.Conn{ClusterID: "c", Kind: orchestrators.KindK8s, Kubeconfig: env.Kubeconfig, Restricted: restricted})
		if err != nil {
			t.Fatal(err)
		}
		_, err = o.Probe(ctx(t))
		if (err != nil) != wantErr {
			t.Errorf("restricted=%v: probe error %v", restricted, err)
		}
		_ = o.Close()
	}
}

// A proxy would connect on BCS's behalf, past the check: refused for
// confined clients, allowed for admins.
func TestRestrictedKubeconfigsCannotUseAProxy(t *testing.T) {
	kc := strings.Replace(string(env.Kubeconfig), "    server: ", "    proxy-url: http://10.0.0.1:3128\n    server: ", 1)
	if !strings.Contains(kc, "proxy-url") {
		t.Fatalf("test kubeconfig has no server line: %s", env.Kubeconfig)
	}
	if _, err := k8s.RestConfig([]byte(kc), netpolicy.Default()); !orchestrators.IsBadInput(err) || !strings.Contains(err.Error(), "proxy-url") {
		t.Fatalf("proxy-url under the policy: %v", err)
	}
	if _, err := k8s.RestConfig([]byte(kc), nil); err != nil {
		t.Fatalf("proxy-url for admins: %v", err)
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{"https://10.96.0.1": "10.96.0.1:443", "https://[::1]:6443": "[::1]:6443", "http://a": "a:80", "https://kubernetes.default.svc/": "kubernetes.default.svc:443"} {
		if got, err := k8s.HostPort(in); err != nil || got != want {
			t.Errorf("HostPort(%q) = %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := k8s.HostPort("not a url"); err == nil {
		t.Error("HostPort accepted a non-URL")
	}
}

// ViaTunnel prefers the tunnel, dials directly (through cfg's own dial,
// the policy's for restricted clusters) only when no tunnel is connected,
// and says both failed with an error that wraps ErrNoTunnel.
func TestViaTunnel(t *testing.T) {
	var direct, tunnelled int
	tunnelUp := true
	cfg := &rest.Config{Host: "https://10.0.0.1:6443",
		Dial: func(context.Context, string, string) (net.Conn, error) {
			direct++
			return nil, errors.New("direct refused")
		}}
	via := k8s.ViaTunnel(cfg, func(_ context.Context, _, address string) (net.Conn, error) {
		if !tunnelUp {
			return nil, orchestrators.ErrNoTunnel
		}
		tunnelled++
		c, _ := net.Pipe()
		return c, nil
	})
	if c, err := via.Dial(context.Background(), "tcp", "10.0.0.1:6443"); err != nil || c == nil || tunnelled != 1 || direct != 0 {
		t.Fatalf("with a tunnel: %v (tunnel %d, direct %d)", err, tunnelled, direct)
	}
	tunnelUp = false
	_, err := via.Dial(context.Background(), "tcp", "10.0.0.1:6443")
	if !errors.Is(err, orchestrators.ErrNoTunnel) || !strings.Contains(err.Error(), "direct refused") || direct != 1 {
		t.Fatalf("without a tunnel: %v (direct %d)", err, direct)
	}
	if p, _ := via.Proxy(&http.Request{URL: &url.URL{Scheme: "https", Host: "10.0.0.1:6443"}}); p != nil {
		t.Fatalf("a tunnelled cluster uses proxy %v", p)
	}
	if k8s.ViaTunnel(cfg, nil) != cfg {
		t.Fatal("a nil tunnel changed the config")
	}
}
