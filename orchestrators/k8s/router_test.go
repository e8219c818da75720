package k8s_test

import (
	"testing"

	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
)

func TestRouter(t *testing.T) {
	r := orchestrators.NewRouter()
	r.Register(orchestrators.KindK8s, k8s.Factory)
	t.Cleanup(func() { _ = r.Close() })
	conn := orchestrators.Conn{ClusterID: "c1", Kind: orchestrators.KindK8s, Kubeconfig: env.Kubeconfig}

	a, err := r.For(ctx(t), conn)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := r.For(ctx(t), conn); b != a {
		t.Error("second For built a new orchestrator")
	}
	if info, err := a.Probe(ctx(t)); err != nil || info.Version != "v1.37.2" {
		t.Fatalf("probe through router: %+v %v", info, err)
	}

	// New credentials (a rotated token) replace the cached orchestrator.
	conn.Kubeconfig = append(append([]byte(nil), env.Kubeconfig...), '\n')
	if c, _ := r.For(ctx(t), conn); c == a {
		t.Error("changed credentials kept the old orchestrator")
	}

	_, err = r.For(ctx(t), orchestrators.Conn{ClusterID: "m1", Kind: orchestrators.KindMesos})
	wantKind(t, err, orchestrators.ErrUnsupported)
	_, err = r.For(ctx(t), orchestrators.Conn{ClusterID: "bad", Kind: orchestrators.KindK8s, Kubeconfig: []byte("{")})
	wantKind(t, err, orchestrators.ErrBadInput)
	if err := r.Forget("c1"); err != nil {
		t.Fatal(err)
	}
}
