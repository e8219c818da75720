package k8s_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
)

func TestApplyBadInput(t *testing.T) {
	ns := namespace(t)
	cases := []struct {
		name, manifest, ns string
		kind               orchestrators.ErrorKind
		msg                string
	}{
		{"invalid yaml", "kind: Deployment\nmetadata: {name: [unclosed\n", ns, orchestrators.ErrBadInput, "document 1"},
		{"not an object", "- just\n- a list\n", ns, orchestrators.ErrBadInput, "document 1"},
		{"empty", "---\n---\n", ns, orchestrators.ErrBadInput, "no objects"},
		{"no kind", "apiVersion: v1\nmetadata: {name: x}\n", ns, orchestrators.ErrBadInput, "kind"},
		{"unknown kind", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: x}\n", ns, orchestrators.ErrBadInput, "Widget"},
		{"unsupported kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", ns, orchestrators.ErrBadInput, "unsupported kind"},
		{"unknown version", "apiVersion: apps/v9\nkind: Deployment\nmetadata: {name: x}\n", ns, orchestrators.ErrBadInput, "apps/v9"},
		{"no name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", ns, orchestrators.ErrBadInput, "name"},
		{"no namespace", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "", orchestrators.ErrBadInput, "namespace is required"},
		{"missing namespace", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: does-not-exist}\n", "", orchestrators.ErrBadInput, "does not exist"},
		// The server rejects the second object; the first must not be applied.
		{"rejected field", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\n" +
			"apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 99999}]}\n", ns, orchestrators.ErrAPI, "Invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			began := time.Now()
			_, err := orch.Apply(ctx(t), orchestrators.ApplyRequest{Manifest: []byte(tc.manifest), Namespace: tc.ns})
			wantKind(t, err, tc.kind)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
			if d := time.Since(began); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
	if _, err := env.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "first", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("object before a rejected one was applied: %v", err)
	}
}

// kubeconfigWith returns the test cluster's kubeconfig changed by edit.
func kubeconfigWith(t *testing.T, edit func(*clientcmdapi.Config)) []byte {
	t.Helper()
	cfg, err := clientcmd.Load(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestProbe(t *testing.T) {
	info, err := k8s.Probe(ctx(t), env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != "v1.37.2" || info.Nodes < 2 || info.CPUMilli < 2*32000 || info.Pods < 220 || info.MemoryBytes <= 0 {
		t.Errorf("probe: %+v", info)
	}
}

func TestKubeconfigErrors(t *testing.T) {
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "https://" + l.Addr().String()
	}()
	cases := []struct {
		name       string
		kubeconfig []byte
		kind       orchestrators.ErrorKind
		reason     string
	}{
		{"empty", nil, orchestrators.ErrBadInput, ""},
		{"not yaml", []byte("apiVersion: v1\nclusters: [unclosed\n"), orchestrators.ErrBadInput, ""},
		{"no clusters", []byte("apiVersion: v1\nkind: Config\n"), orchestrators.ErrBadInput, ""},
		{"exec plugin", kubeconfigWith(t, func(c *clientcmdapi.Config) {
			for _, a := range c.AuthInfos {
				a.Token, a.Exec = "", &clientcmdapi.ExecConfig{Command: "/bin/true", APIVersion: "client.authentication.k8s.io/v1"}
			}
		}), orchestrators.ErrBadInput, ""},
		{"token file", kubeconfigWith(t, func(c *clientcmdapi.Config) {
			for _, a := range c.AuthInfos {
				a.Token, a.TokenFile = "", "/etc/passwd"
			}
		}), orchestrators.ErrBadInput, ""},
		{"closed port", kubeconfigWith(t, func(c *clientcmdapi.Config) {
			for _, cl := range c.Clusters {
				cl.Server = closed
			}
		}), orchestrators.ErrUnreachable, ""},
		{"wrong token", kubeconfigWith(t, func(c *clientcmdapi.Config) {
			for _, a := range c.AuthInfos {
				a.Token = "not-the-token"
			}
		}), orchestrators.ErrAPI, "Unauthorized"},
		{"wrong CA", kubeconfigWith(t, func(c *clientcmdapi.Config) {
			for _, cl := range c.Clusters {
				cl.CertificateAuthorityData = otherCA(t)
			}
		}), orchestrators.ErrUnreachable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			began := time.Now()
			_, err := k8s.Probe(ctx(t), tc.kubeconfig)
			e := wantKind(t, err, tc.kind)
			if e.Reason != tc.reason {
				t.Errorf("reason %q, want %q: %v", e.Reason, tc.reason, err)
			}
			if d := time.Since(began); d > 3*time.Second {
				t.Errorf("took %s", d)
			}
			t.Logf("%s (%s)", err, time.Since(began).Round(time.Millisecond))
		})
	}
}

func TestProbeHonoursContext(t *testing.T) {
	// A listener that accepts and never answers: only the deadline ends it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	defer func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	}()
	kc := kubeconfigWith(t, func(c *clientcmdapi.Config) {
		for _, cl := range c.Clusters {
			cl.Server = "https://" + l.Addr().String()
		}
	})
	c, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err = k8s.Probe(c, kc)
	wantKind(t, err, orchestrators.ErrUnreachable)
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("hung for %s", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("error does not wrap DeadlineExceeded: %v", err)
	}
}
