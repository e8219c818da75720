package scheduler

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

// oneScheduler starts ZooKeeper, a simulator with agents agents and a
// leading scheduler.
func oneScheduler(t *testing.T, cfg sim.Config) (*sim.Server, *Service) {
	t.Helper()
	zks := zookeeper.StartT(t)
	srv := startSim(t, cfg)
	s := startService(t, schedConfig(zks, srv.URL(), "a"))
	waitLeader(t, s)
	return srv, s
}

func TestBadSpecsRejected(t *testing.T) {
	srv, s := oneScheduler(t, simConfig(2))
	_ = srv
	bad := basicApp("BAD_name", -1)
	bad.CPUs = 0
	bad.Constraints = []spec.Constraint{{Field: "hostname", Operator: "SOMEWHERE"}}
	bad.RestartPolicy.Policy = "Sometimes"
	_, err := s.CreateApp(ctx(t), bad)
	var ve *spec.ValidationError
	if !errors.As(err, &ve) || !IsUserError(err) {
		t.Fatalf("got %v, want a validation error", err)
	}
	for _, field := range []string{"name", "instances", "cpus", "constraints[0].operator", "restartPolicy.policy"} {
		if !strings.Contains(err.Error(), field+": ") {
			t.Errorf("%q does not name %s", err, field)
		}
	}
	if apps, _ := s.ListApps(ctx(t), ""); len(apps) != 0 {
		t.Fatalf("invalid app stored: %+v", apps)
	}

	good := basicApp("good", 1)
	st, err := s.CreateApp(ctx(t), good)
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	for name, err := range map[string]error{
		"create twice":    second(s.CreateApp(ctx(t), good)),
		"unknown app":     second(s.ScaleApp(ctx(t), spec.Ref{Namespace: "defaultGroup", Name: "nope"}, 1)),
		"scale negative":  second(s.ScaleApp(ctx(t), ref, -3)),
		"unknown version": third(s.RollbackApp(ctx(t), ref, 42)),
		"no earlier":      third(s.RollbackApp(ctx(t), ref, 0)),
		"unknown task":    second(s.KillTask(ctx(t), "defaultGroup.good.0.nope")),
		"cancel create":   second(s.CancelDeployment(ctx(t), ref)),
		"bad update":      second(s.UpdateApp(ctx(t), spec.App{Name: "good", Instances: 1, CPUs: 1, Mem: 1})),
	} {
		if err == nil || !IsUserError(err) {
			t.Errorf("%s: got %v, want a user error", name, err)
		}
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

// TestRestartPolicy: a task that keeps failing is restarted with growing
// delays until MaxTimes, then its instance gives up; a finished task is
// not restarted under OnFailure.
func TestRestartPolicy(t *testing.T) {
	srv, s := oneScheduler(t, simConfig(3))
	app := basicApp("crash", 2)
	app.Labels = map[string]string{sim.LabelRunFor: "50ms", sim.LabelExit: "failed"}
	app.RestartPolicy = spec.RestartPolicy{Policy: spec.RestartOnFailure, IntervalSeconds: 0, BackoffSeconds: 1, MaxTimes: 2}
	st, err := s.CreateApp(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	var launches []time.Time
	events, stop := s.Events()
	defer stop()
	eventually(t, "both instances to give up", func() bool {
		st, _ = s.GetApp(ctx(t), ref)
		for {
			select {
			case ev := <-events:
				if ev.Task != nil && ev.Task.Index == 0 && ev.Task.State == "TASK_STAGING" && ev.Task.Killing == "" && !ev.Task.Removed {
					launches = append(launches, ev.Task.Created)
				}
				continue
			default:
			}
			break
		}
		return st.Status == AppAbnormal && len(st.Failures) == 2 && st.Failures[0].GaveUp && st.Failures[1].GaveUp
	})
	if f := st.Failures[0]; f.Failures != 3 || !strings.Contains(f.LastFailure, "gave up after 3 failures") {
		t.Fatalf("failure record: %+v", f)
	}
	if v := viewOf(masterTasks(t, srv), ref); v.live != 0 {
		t.Fatalf("tasks still live: %v", v)
	}
	// Three launches of instance 0 (the first and two restarts); the
	// second restart waited for the backoff (1 s).
	if len(launches) != 3 {
		t.Fatalf("instance 0 launched %d times, want 3", len(launches))
	}
	if gap := launches[2].Sub(launches[1]); gap < 900*time.Millisecond {
		t.Fatalf("second restart after %v, want the 1 s backoff", gap)
	}

	fin := basicApp("batch", 1)
	fin.Labels = map[string]string{sim.LabelRunFor: "20ms"}
	st, err = s.CreateApp(ctx(t), fin)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the finished instance to stay finished", func() bool {
		st, _ = s.GetApp(ctx(t), st.Ref)
		return len(st.Failures) == 1 && st.Failures[0].GaveUp && strings.Contains(st.Failures[0].LastFailure, "TASK_FINISHED")
	})
	// Restarting the application starts every instance afresh.
	if _, err := s.RestartApp(ctx(t), ref); err != nil {
		t.Fatal(err)
	}
	eventually(t, "fresh failure counts after a restart", func() bool {
		st, _ := s.GetApp(ctx(t), ref)
		return st.Version == 2 && len(st.Failures) > 0 && !st.Failures[0].GaveUp
	})
}

// TestPauseResumeCancel pauses a rolling update, resumes it, then cancels
// the next one, which rolls back.
func TestPauseResumeCancel(t *testing.T) {
	cfg := simConfig(5)
	cfg.TaskRunDelay = 100 * time.Millisecond
	srv, s := oneScheduler(t, cfg)
	app := basicApp("roll", 10)
	app.UpgradeStrategy = spec.UpgradeStrategy{MaxSurge: spec.Int(1), MaxUnavailable: spec.Int(0)}
	st, err := s.CreateApp(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	waitSettled(t, srv, s, ref, 10, 1)

	app.Env = map[string]string{"V": "2"}
	if _, err := s.UpdateApp(ctx(t), app); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the roll to start", func() bool { return viewOf(masterTasks(t, srv), ref).versions["2"] >= 2 })
	ds, err := s.PauseDeployment(ctx(t), ref)
	if err != nil || !ds.Paused {
		t.Fatalf("pause: %+v %v", ds, err)
	}
	// Let in-flight launches land, then check nothing moves for a while.
	var frozen int
	eventually(t, "in-flight tasks to settle", func() bool {
		v := viewOf(masterTasks(t, srv), ref)
		frozen = v.versions["2"]
		return v.running == v.live
	})
	deadline := time.After(600 * time.Millisecond)
	for watching := true; watching; {
		select {
		case <-deadline:
			watching = false
		case <-time.After(50 * time.Millisecond):
			if v := viewOf(masterTasks(t, srv), ref); v.versions["2"] != frozen {
				t.Fatalf("paused deployment moved: %d → %v", frozen, v)
			}
		}
	}
	st, _ = s.GetApp(ctx(t), ref)
	if st.Status != AppPaused || frozen >= 10 {
		t.Fatalf("paused app: %s with %d new", st.Status, frozen)
	}
	if _, err := s.ResumeDeployment(ctx(t), ref); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, srv, s, ref, 10, 2)

	app.Env = map[string]string{"V": "3"}
	if _, err := s.UpdateApp(ctx(t), app); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the third version to start", func() bool { return viewOf(masterTasks(t, srv), ref).versions["3"] >= 1 })
	ds, err = s.CancelDeployment(ctx(t), ref)
	if err != nil || ds.From != 3 || ds.To != 4 {
		t.Fatalf("cancel: %+v %v", ds, err)
	}
	waitSettled(t, srv, s, ref, 10, 4)
	st, _ = s.GetApp(ctx(t), ref)
	if st.Spec.Env["V"] != "2" {
		t.Fatalf("cancel did not restore version 2's spec: %v", st.Spec.Env)
	}
	if st.LastDeployment == nil || st.LastDeployment.Result != "succeeded" {
		t.Fatalf("last deployment: %+v", st.LastDeployment)
	}
}

// TestKillAndRestartTask restarts one task (same instance, new task), kills
// another (its instance stays down) and restarts the app to bring it back.
func TestKillAndRestartTask(t *testing.T) {
	srv, s := oneScheduler(t, simConfig(3))
	st, err := s.CreateApp(ctx(t), basicApp("svc", 4))
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	waitSettled(t, srv, s, ref, 4, 1)
	tasks, _ := s.ListTasks(ctx(t), &ref)

	if _, err := s.RestartTask(ctx(t), tasks[1].ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "instance 1 restarted", func() bool {
		ts, _ := s.ListTasks(ctx(t), &ref)
		return len(ts) == 4 && ts[1].ID != tasks[1].ID && ts[1].Index == 1 && ts[1].State == "TASK_RUNNING"
	})
	waitSettled(t, srv, s, ref, 4, 1)

	if _, err := s.KillTask(ctx(t), tasks[2].ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "instance 2 down", func() bool {
		st, _ := s.GetApp(ctx(t), ref)
		v := viewOf(masterTasks(t, srv), ref)
		return st.Status == AppAbnormal && v.running == 3 && v.byIndex[2] == 0
	})
	if _, err := s.RestartApp(ctx(t), ref); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, srv, s, ref, 4, 2)
}

// TestEvents follows an application through the event stream.
func TestEvents(t *testing.T) {
	srv, s := oneScheduler(t, simConfig(3))
	events, stop := s.Events()
	defer stop()
	st, err := s.CreateApp(ctx(t), basicApp("ev", 2))
	if err != nil {
		t.Fatal(err)
	}
	ref := st.Ref
	waitSettled(t, srv, s, ref, 2, 1)
	if err := s.DeleteApp(ctx(t), ref); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	eventually(t, "the event sequence", func() bool {
		for {
			select {
			case ev := <-events:
				if ev.Cluster != "BCS-MESOS-10001" {
					t.Fatalf("event without the cluster: %+v", ev)
				}
				key := string(ev.Type)
				switch {
				case ev.Task != nil && ev.Task.State == "TASK_RUNNING":
					if ev.Task.Host == "" || ev.Task.AgentID == "" || len(ev.Task.Ports) != 1 || ev.Task.App != ref {
						t.Fatalf("running task event incomplete: %+v", ev.Task)
					}
					key += "/running"
				case ev.Task != nil && ev.Task.Removed:
					key += "/removed:" + ev.Task.State
				case ev.Deployment != nil:
					key += "/" + ev.Deployment.Result
				case ev.AppStatus != nil:
					key += "/" + ev.AppStatus.Status
				}
				seen[key] = true
				continue
			default:
			}
			break
		}
		return seen["APP_DELETED"]
	})
	for _, want := range []string{"APP_CHANGED/Deploying", "DEPLOYMENT_CHANGED/", "TASK_CHANGED/running",
		"DEPLOYMENT_CHANGED/succeeded", "APP_CHANGED/Running", "APP_CHANGED/Deleting", "TASK_CHANGED/removed:TASK_KILLED"} {
		if !seen[want] {
			t.Errorf("no %s event; saw %v", want, seen)
		}
	}
}

// TestConstraints places by rack attribute: GROUP_BY spreads evenly,
// LIKE and CLUSTER restrict.
func TestConstraints(t *testing.T) {
	srv, s := oneScheduler(t, simConfig(9)) // racks r1, r2, r3, three agents each
	rackOf := map[string]string{}
	for _, a := range srv.AgentIDs() {
		rackOf[a] = "r" + fmt.Sprint(1+len(rackOf)%3)
	}
	cases := []struct {
		name string
		c    spec.Constraint
		n    int
		ok   func(perRack map[string]int) bool
	}{
		{"spread", spec.Constraint{Field: "rack", Operator: spec.OpGroupBy, Value: "3"}, 9,
			func(m map[string]int) bool { return m["r1"] == 3 && m["r2"] == 3 && m["r3"] == 3 }},
		{"like", spec.Constraint{Field: "rack", Operator: spec.OpLike, Value: "r[12]"}, 6,
			func(m map[string]int) bool { return m["r3"] == 0 }},
		{"cluster", spec.Constraint{Field: "rack", Operator: spec.OpCluster, Value: "r2"}, 5,
			func(m map[string]int) bool { return m["r2"] == 5 }},
	}
	for _, c := range cases {
		app := basicApp(c.name, c.n)
		app.Constraints = []spec.Constraint{c.c}
		st, err := s.CreateApp(ctx(t), app)
		if err != nil {
			t.Fatal(err)
		}
		waitSettled(t, srv, s, st.Ref, c.n, 1)
		perRack := map[string]int{}
		for agent, n := range viewOf(masterTasks(t, srv), st.Ref).agents {
			perRack[rackOf[agent]] += n
		}
		if !c.ok(perRack) {
			t.Errorf("%s (%s): tasks per rack %v", c.name, c.c, perRack)
		}
	}
}
