package scheduler

import (
	"testing"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// TestDeployScaleRollRollback deploys 50 instances that must each run on
// their own host, scales them, rolls a new version out and rolls back,
// checking the master's own task list at every step.
func TestDeployScaleRollRollback(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, simConfig(60))
	s := startService(t, schedConfig(zks, srv.URL(), "a"))
	waitLeader(t, s)

	app := basicApp("web", 50)
	app.Constraints = []spec.Constraint{{Field: "hostname", Operator: spec.OpUnique}}
	st, err := s.CreateApp(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	waitSettled(t, srv, s, ref, 50, 1)
	v := viewOf(masterTasks(t, srv), ref)
	if len(v.agents) != 50 {
		t.Fatalf("UNIQUE hostname: 50 tasks on %d agents", len(v.agents))
	}
	tasks, err := s.ListTasks(ctx(t), &ref)
	if err != nil || len(tasks) != 50 {
		t.Fatalf("ListTasks: %d %v", len(tasks), err)
	}
	for _, tk := range tasks {
		if tk.Host == "" || tk.AgentID == "" || len(tk.Ports) != 1 || tk.Ports[0] < 31000 || tk.State != "TASK_RUNNING" {
			t.Fatalf("task status incomplete: %+v", tk)
		}
	}

	// Scale up past the constraint's reach: 60 agents allow 60.
	if prev, err := s.ScaleApp(ctx(t), ref, 58); err != nil || prev != 50 {
		t.Fatalf("scale: %d %v", prev, err)
	}
	waitSettled(t, srv, s, ref, 58, 1)
	if _, err := s.ScaleApp(ctx(t), ref, 40); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, srv, s, ref, 40, 1)

	// Rolling update to version 2.
	app.Instances = 40
	app.Env = map[string]string{"RELEASE": "2"}
	app.UpgradeStrategy = spec.UpgradeStrategy{MaxSurge: spec.Int(5), MaxUnavailable: spec.Int(5)}
	st, err = s.UpdateApp(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 2 || st.Deployment == nil || st.Deployment.From != 1 {
		t.Fatalf("update: %+v", st)
	}
	waitSettled(t, srv, s, ref, 40, 2)

	// Rollback to the previous version: a new version 3 with version 1's spec.
	from, to, err := s.RollbackApp(ctx(t), ref, 0)
	if err != nil || from != 2 || to != 1 {
		t.Fatalf("rollback: %d→%d %v", from, to, err)
	}
	waitSettled(t, srv, s, ref, 40, 3)
	st, _ = s.GetApp(ctx(t), ref)
	if st.Spec.Env["RELEASE"] != "" || st.Instances != 40 || st.Status != AppRunning {
		t.Fatalf("after rollback: %+v", st)
	}
	versions, err := s.ListVersions(ctx(t), ref)
	if err != nil || len(versions) != 3 || !versions[0].Current || versions[0].Reason != "rolled back to 1" {
		t.Fatalf("versions: %+v %v", versions, err)
	}

	// Delete: every task goes, then the application.
	if err := s.DeleteApp(ctx(t), ref); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the application deleted", func() bool {
		_, err := s.GetApp(ctx(t), ref)
		return IsUserError(err) && viewOf(masterTasks(t, srv), ref).live == 0
	})
}

// TestRollUniqueFullCluster rolls an application that fills every agent
// under UNIQUE hostname: no surge task fits anywhere, so the update must
// progress by taking old tasks down within maxUnavailable.
func TestRollUniqueFullCluster(t *testing.T) {
	zks := zookeeper.StartT(t)
	srv := startSim(t, simConfig(6))
	s := startService(t, schedConfig(zks, srv.URL(), "a"))
	waitLeader(t, s)
	app := basicApp("full", 6)
	app.Constraints = []spec.Constraint{{Field: "hostname", Operator: spec.OpUnique}}
	st, err := s.CreateApp(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	waitSettled(t, srv, s, st.Ref, 6, 1)
	app.Cmd = "sleep 1"
	if _, err := s.UpdateApp(ctx(t), app); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, srv, s, st.Ref, 6, 2)
}
