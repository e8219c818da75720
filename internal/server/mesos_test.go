package server

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

// TestMesosClusterThroughGraphQL registers the Mesos master simulator (the
// real master cannot be installed here; see orchestrators/mesos/sim) with a
// real ZooKeeper for the scheduler's state, deploys an application through
// applyManifest and scales it, each as an Operation.
func TestMesosClusterThroughGraphQL(t *testing.T) {
	zk := zookeeper.StartT(t)
	ports, _ := sim.ParsePorts("31000-31100")
	srv, err := sim.Start(context.Background(), sim.Config{Listen: "127.0.0.1:0", Agents: 4,
		Agent: sim.AgentSpec{CPUs: 2, MemMB: 4096, Ports: ports}, AllocationInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ZooKeeper = []string{zk.Addr()} })
	p := env.createProject(t, "Mesos", "mesos")
	register := `mutation($in: RegisterMesosClusterInput!) { registerMesosCluster(input: $in) { id status kind version capacity } }`
	var c struct {
		ID, Status, Kind, Version string
		Capacity                  map[string]string
	}
	env.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "sim", "masters": srv.URL()}}).field(t, "registerMesosCluster", &c)
	if c.Status != "NORMAL" || c.Kind != "MESOS" || c.Capacity["nodes"] != "4" {
		t.Fatalf("registered %+v", c)
	}
	if res := env.do(t, register, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "bad", "masters": "ftp://x"}}); res.code() != "BAD_USER_INPUT" {
		t.Errorf("bad masters: %s", res.raw)
	}

	app := "kind: Application\nname: web\ninstances: 3\ncpus: 0.1\nmem: 32\ncmd: sleep 3600\nconstraints: [[\"hostname\", \"UNIQUE\"]]\n"
	apply := `mutation($cid: ID!, $m: String!) { applyManifest(input: {clusterID: $cid, namespace: "team", manifest: $m}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, apply, "applyManifest", map[string]any{"cid": c.ID, "m": app}); op.Status != "SUCCEEDED" {
		t.Fatalf("apply: %+v", op)
	}
	eventually(t, "3 tasks RUNNING on the simulator", func() bool { return srv.Summary().Tasks["TASK_RUNNING"] == 3 })
	// Datawatch feeds the scheduler's view into the same storage and log.
	eventually(t, "the application and its tasks in storage", func() bool {
		var w struct {
			TotalCount int
			Edges      []struct{ Node struct{ Ready, Desired int } }
		}
		env.do(t, `{ workloads(where: {kind: MESOS_APPLICATION, name: "web"}) { totalCount edges { node { ready desired } } } }`, nil).field(t, "workloads", &w)
		return w.TotalCount == 1 && w.Edges[0].Node.Ready == 3 && w.Edges[0].Node.Desired == 3
	})
	var page struct{ Changes []changeView }
	env.do(t, `{ changes(since: 0, first: 500, filter: {kinds: ["MesosTask"]}) { changes { `+changeFields+` } } }`, nil).field(t, "changes", &page)
	if len(page.Changes) < 3 {
		t.Errorf("%d MesosTask changes in the log, want at least 3", len(page.Changes))
	}

	scale := `mutation($cid: ID!) { scaleWorkload(input: {clusterID: $cid, namespace: "team", kind: "Application", name: "web", replicas: 4}) { ` + opFields + ` } }`
	if op := env.mutateOp(t, scale, "scaleWorkload", map[string]any{"cid": c.ID}); op.Status != "SUCCEEDED" {
		t.Fatalf("scale: %+v", op)
	}
	eventually(t, "4 tasks RUNNING", func() bool { return srv.Summary().Tasks["TASK_RUNNING"] == 4 })

	// A Mesos template instantiated through the config center.
	var tpl, ver struct{ ID string }
	env.do(t, `mutation($p: ID!, $d: String!) { createTemplate(input: {projectID: $p, name: "batch", kind: MESOS, draft: $d}) { id } }`,
		map[string]any{"p": p.ID, "d": "kind: Application\nname: batch\ninstances: {{ count }}\ncpus: 0.1\nmem: 16\ncmd: sleep 3600\n"}).field(t, "createTemplate", &tpl)
	env.do(t, `mutation($p: ID!) { setVariable(input: {projectID: $p, key: "count", value: "2"}) { id } }`, map[string]any{"p": p.ID}).field(t, "setVariable", &struct{ ID string }{})
	env.do(t, `mutation($t: ID!) { createTemplateVersion(templateID: $t, label: "v1") { id } }`, map[string]any{"t": tpl.ID}).field(t, "createTemplateVersion", &ver)
	var insts []struct{ ID string }
	env.do(t, `mutation($v: ID!, $c: ID!) { instantiateTemplate(input: {versionID: $v, targets: [{clusterID: $c, namespace: "batch"}]}) { id } }`,
		map[string]any{"v": ver.ID, "c": c.ID}).field(t, "instantiateTemplate", &insts)
	eventually(t, "the Mesos instance READY and 6 tasks RUNNING", func() bool {
		var in struct{ Status string }
		env.do(t, `query($id: ID!) { node(id: $id) { ... on Instance { status } } }`, map[string]any{"id": insts[0].ID}).field(t, "node", &in)
		return in.Status == "READY" && srv.Summary().Tasks["TASK_RUNNING"] == 6
	})
	if res := env.do(t, `mutation($p: ID!) { createTemplate(input: {projectID: $p, name: "broken", kind: MESOS, draft: "name: x\ninstances: {{ count"}) { id } }`, map[string]any{"p": p.ID}); res.code() != "BAD_USER_INPUT" {
		t.Errorf("unterminated placeholder: %s", res.raw)
	}

	bad := "kind: Application\nname: Bad_Name\ninstances: -1\n"
	if op := env.mutateOp(t, apply, "applyManifest", map[string]any{"cid": c.ID, "m": bad}); op.Status != "FAILED" || op.Message == "" {
		t.Errorf("bad app spec: %+v", op)
	}
}
