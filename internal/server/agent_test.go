package server

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/internal/agent"
)

// TestAgentRegistersAndGoesUnreachable runs the agent (in process, the same
// code as `bcs agent`) against a real control plane: the cluster turns
// NORMAL on its first report and UNREACHABLE once reports stop.
func TestAgentRegistersAndGoesUnreachable(t *testing.T) {
	a, _ := kubeClusters(t)
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	p := env.createProject(t, "Agents", "agents")
	var reg struct {
		Token   string
		Cluster struct{ ID, Status string }
	}
	env.do(t, `mutation($p: ID!) { createRegisterToken(projectID: $p, clusterName: "edge") { token cluster { id status } } }`,
		map[string]any{"p": p.ID}).field(t, "createRegisterToken", &reg)
	if reg.Cluster.Status != "REGISTERING" {
		t.Fatalf("new cluster is %s", reg.Cluster.Status)
	}
	status := func() string {
		var c struct{ Status string }
		env.do(t, `query($id: ID!) { cluster(id: $id) { status } }`, map[string]any{"id": reg.Cluster.ID}).field(t, "cluster", &c)
		return c.Status
	}

	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(ctx, agent.Config{Server: env.srv.URL, Token: reg.Token, Interval: 300 * time.Millisecond,
			Rest: a.Config, Log: slog.New(slog.DiscardHandler)})
	}()
	eventually(t, "the agent's cluster NORMAL", func() bool { return status() == "NORMAL" })

	// The agent's own credentials now drive operations.
	op := env.mutateOp(t, `mutation($cid: ID!) { applyNamespace(input: {clusterID: $cid, name: "from-agent", quota: {pods: "10"}}) { `+opFields+` } }`,
		"applyNamespace", map[string]any{"cid": reg.Cluster.ID})
	if op.Status != "SUCCEEDED" {
		t.Fatalf("operation with agent credentials: %+v", op)
	}

	// Registration installed BCS's RBAC bindings with the agent's
	// credentials, and the Kubernetes proxy serves the cluster through them,
	// impersonating the caller.
	eventually(t, "the RBAC sync of registration", func() bool {
		return env.db.Client.Operation.Query().Where(operation.ClusterID(ID(reg.Cluster.ID)), operation.Action("SYNC_RBAC"),
			operation.StatusEQ(operation.StatusSUCCEEDED)).ExistX(system())
	})
	req, _ := http.NewRequest(http.MethodGet, env.srv.URL+"/clusters/"+reg.Cluster.ID+"/k8s/api/v1/namespaces/from-agent", nil)
	req.Header.Set("Authorization", "Bearer "+env.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("proxy to the agent's cluster: %d", res.StatusCode)
	}

	// The register token was single-use.
	second, err := env.db.Client.Cluster.Get(system(), ID(reg.Cluster.ID))
	if err != nil || (second.RegisterTokenHash != nil && len(*second.RegisterTokenHash) > 0) || second.AgentKeyHash == nil || len(*second.AgentKeyHash) == 0 {
		t.Fatalf("register token not consumed: %+v %v", second, err)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	eventually(t, "the silent agent's cluster UNREACHABLE", func() bool { return status() == "UNREACHABLE" })
}
