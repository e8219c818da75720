package k8s_test

import (
	"errors"
	"strings"
	"testing"

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
