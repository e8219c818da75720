package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bcs-io/bcs/ent/workload"
	"github.com/bcs-io/bcs/internal/testenv/postgres"
)

// TestPostgresOutageDuringRollout stops PostgreSQL while datawatch ingests
// a Deployment rollout on a real control plane and operations are sent.
// The server stays up and reports the database on /readyz; requests get
// typed errors, an operation sent during the outage succeeds when retried,
// and once the database is back storage equals the API server and the
// change log has no gap.
func TestPostgresOutageDuringRollout(t *testing.T) {
	kc, _ := kubeClusters(t)
	pgsrv := postgres.StartT(t)
	url, err := pgsrv.CreateDatabase(context.Background(), "pgfault")
	if err != nil {
		t.Fatal(err)
	}
	env := newEnvWith(t, url, func(c *Config) { c.Replica = "pgfault" })
	p := env.createProject(t, "PG fault", "pgfault")
	var c struct{ ID string }
	env.do(t, `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "pgf", "kubeconfig": string(kc.Kubeconfig)}}).field(t, "registerCluster", &c)

	ctx := context.Background()
	ns := fmt.Sprintf("pg-fault-%d", dbSeq.Add(1))
	if _, err := kc.Client.CoreV1().Namespaces().Create(ctx, namespaceObject(ns), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kc.Client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	deployments := kc.Client.AppsV1().Deployments(ns)
	d := deploymentObject("web", 2)
	d.Namespace = ns
	if _, err := deployments.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web in storage", func() bool {
		return env.db.Client.Workload.Query().Where(workload.Namespace(ns), workload.Name("web")).ExistX(system())
	})

	// The rollout starts, then the database goes; the outage ends when the
	// server has seen it, not after a set time.
	// A patch, not read-modify-write: the controller updates web's status
	// meanwhile, and an update would conflict with it.
	rollout := func(image string) {
		patch := `{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"` + image + `"}]}}}}`
		if _, err := deployments.Patch(ctx, "web", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rollout("nginx:1.26")
	if err := pgsrv.Stop(); err != nil {
		t.Fatal(err)
	}
	status := func(path string) int {
		res, err := http.Get(env.srv.URL + path)
		if err != nil {
			t.Fatalf("the server is gone: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	eventually(t, "readiness to report the database down", func() bool { return status("/readyz") == http.StatusServiceUnavailable })
	if code := status("/healthz"); code != http.StatusOK {
		t.Fatalf("healthz while the database is down: %d", code)
	}
	// The cluster keeps changing while BCS cannot write.
	rollout("nginx:1.27")
	extra := deploymentObject("during", 1)
	extra.Namespace = ns
	if _, err := deployments.Create(ctx, extra, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	scale := `mutation($cid: ID!, $ns: String!) { scaleWorkload(input: {clusterID: $cid, namespace: $ns, kind: "Deployment", name: "web", replicas: 3}) { ` + opFields + ` } }`
	vars := map[string]any{"cid": c.ID, "ns": ns}
	for _, q := range []string{scale, `{ workloads(first: 5) { totalCount } }`} {
		if res := env.do(t, q, vars); len(res.Errors) == 0 || res.code() == "" {
			t.Fatalf("while the database is down, want a typed error: %s", res.raw)
		}
	}

	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := pgsrv.Restart(rctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the server ready again", func() bool { return status("/readyz") == http.StatusOK })
	retryThroughFault(t, env, scale, "scaleWorkload", vars)

	eventually(t, "storage equal to the API server", func() bool {
		live, err := deployments.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]int{}
		for _, w := range env.db.Client.Workload.Query().Where(workload.Namespace(ns)).AllX(system()) {
			stored[w.Name] = w.Desired
		}
		if len(stored) != len(live.Items) {
			return false
		}
		for _, d := range live.Items {
			if want, ok := stored[d.Name]; !ok || want != int(*d.Spec.Replicas) {
				return false
			}
		}
		return true
	})
	web := env.db.Client.Workload.Query().Where(workload.Namespace(ns), workload.Name("web")).OnlyX(system())
	if len(web.Images) != 1 || web.Images[0] != "nginx:1.27" || web.Desired != 3 {
		t.Fatalf("stored web after the outage: desired %d images %v", web.Desired, web.Images)
	}
	assertChangeLogGapFree(t, env)
}
