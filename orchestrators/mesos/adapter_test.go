package mesos

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/sim"
)

const waitFor = 30 * time.Second

func testLogger() *slog.Logger {
	if os.Getenv("MESOS_SCHED_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitFor)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

const manifest = `
kind: Application
name: web
instances: 3
cpus: 0.1
mem: 32
cmd: sleep 3600
constraints: [["hostname", "UNIQUE"]]
---
name: worker
namespace: jobs
instances: 1
cpus: 0.1
mem: 16
container: {image: "busybox:1.36"}
`

// TestOrchestrator drives a Mesos cluster through the orchestrator
// interface, as the GraphQL mutations do.
func TestOrchestrator(t *testing.T) {
	zks := zookeeper.StartT(t)
	ports, _ := sim.ParsePorts("31000-31100")
	srv, err := sim.Start(context.Background(), sim.Config{Listen: "127.0.0.1:0", Agents: 4,
		Agent: sim.AgentSpec{CPUs: 2, MemMB: 4096, Ports: ports}, AllocationInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	router := orchestrators.NewRouter()
	router.Register(orchestrators.KindMesos, Factory(scheduler.Config{
		ZKSessionTimeout: 4 * time.Second,
		Instance:         scheduler.InstanceConfig{Address: "127.0.0.1", Port: 8080},
		Logger:           testLogger(),
	}))
	defer router.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	o, err := router.For(ctx, orchestrators.Conn{ClusterID: "BCS-MESOS-10002", Kind: orchestrators.KindMesos,
		Endpoints: []string{srv.URL()}, Settings: map[string]string{SettingZK: zks.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := o.(*Orchestrator).Service(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "leadership", svc.IsLeader)

	info, err := o.Probe(ctx)
	if err != nil || info.Nodes != 4 || info.CPUMilli != 8000 || info.Version != sim.Version {
		t.Fatalf("probe: %+v %v", info, err)
	}

	res, err := o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte(manifest), Namespace: "team", DryRun: true})
	if err != nil || len(res.Objects) != 2 || res.Objects[0].Action != orchestrators.ActionCreated {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if apps, _ := svc.ListApps(ctx, ""); len(apps) != 0 {
		t.Fatal("dry run created applications")
	}
	res, err = o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte(manifest), Namespace: "team"})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Objects[0].Ref; r.Namespace != "team" || r.Name != "web" || r.Kind != KindApplication {
		t.Fatalf("ref: %+v", r)
	}
	if r := res.Objects[1].Ref; r.Namespace != "jobs" {
		t.Fatalf("explicit namespace lost: %+v", r)
	}
	web := spec.Ref{Namespace: "team", Name: "web"}
	running := func(n int, version int64) func() bool {
		return func() bool {
			st, err := svc.GetApp(ctx, web)
			return err == nil && st.Current == n && st.Running == n && st.Version == version && st.Deployment == nil
		}
	}
	eventually(t, "web running", running(3, 1))

	res, err = o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte(manifest), Namespace: "team"})
	if err != nil || res.Objects[0].Action != orchestrators.ActionUnchanged {
		t.Fatalf("re-apply: %+v %v", res, err)
	}
	changed := strings.Replace(manifest, "sleep 3600", "sleep 7200", 1)
	res, err = o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte(changed), Namespace: "team"})
	if err != nil || res.Objects[0].Action != orchestrators.ActionConfigured ||
		len(res.Objects[0].Changes) != 1 || res.Objects[0].Changes[0].Path != "cmd" {
		t.Fatalf("update: %+v %v", res, err)
	}
	eventually(t, "version 2 rolled out", running(3, 2))

	ref := orchestrators.WorkloadRef{Namespace: "team", Kind: KindApplication, Name: "web"}
	if sr, err := o.Scale(ctx, ref, 4); err != nil || sr.Previous != 3 {
		t.Fatalf("scale: %+v %v", sr, err)
	}
	eventually(t, "scaled to 4", running(4, 2))
	rr, err := o.Rollback(ctx, ref, 0)
	if err != nil || rr.FromRevision != 2 || rr.ToRevision != 1 {
		t.Fatalf("rollback: %+v %v", rr, err)
	}
	defer func() {
		if t.Failed() {
			st, _ := svc.GetApp(context.Background(), web)
			t.Logf("app: %+v", st)
			tasks, _ := svc.ListTasks(context.Background(), &web)
			for _, tk := range tasks {
				t.Logf("task %s v%d %s %s kill=%s", tk.ID, tk.Version, tk.State, tk.Host, tk.Killing)
			}
		}
	}()
	eventually(t, "rolled back", running(4, 3))
	if err := o.Restart(ctx, ref); err != nil {
		t.Fatal(err)
	}
	eventually(t, "restarted", running(4, 4))

	// The user's mistakes are BAD_INPUT; what Mesos cannot do is UNSUPPORTED.
	for name, err := range map[string]error{
		"bad yaml":      second(o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte("name: [")})),
		"unknown field": second(o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte("name: x\ninstancez: 2")})),
		"invalid spec":  second(o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte("name: x\ncpus: -1\nmem: 1\ncmd: x")})),
		"k8s kind":      second(o.Apply(ctx, orchestrators.ApplyRequest{Manifest: []byte("kind: Deployment\nname: x")})),
		"unknown app":   second(o.Scale(ctx, orchestrators.WorkloadRef{Namespace: "team", Name: "nope"}, 1)),
		"bad revision":  second(o.Rollback(ctx, ref, 99)),
		"cordon":        o.CordonNode(ctx, "agent"),
		"quota":         o.ApplyNamespace(ctx, orchestrators.NamespaceSpec{Name: "team", Quota: map[string]string{"cpu": "1"}}),
		"other kind":    o.Restart(ctx, orchestrators.WorkloadRef{Namespace: "team", Kind: "StatefulSet", Name: "web"}),
	} {
		if !orchestrators.IsBadInput(err) {
			t.Errorf("%s: got %v (%s), want a user error", name, err, orchestrators.KindOf(err))
		}
	}
	if err := o.ApplyNamespace(ctx, orchestrators.NamespaceSpec{Name: "team"}); err != nil {
		t.Fatalf("plain namespace: %v", err)
	}

	if err := o.Delete(ctx, orchestrators.DeleteRequest{Ref: orchestrators.ObjectRef{Kind: KindApplication, Namespace: "team", Name: "web"}}); err != nil {
		t.Fatal(err)
	}
	if err := o.DeleteNamespace(ctx, "jobs"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "everything deleted", func() bool {
		apps, err := svc.ListApps(ctx, "")
		return err == nil && len(apps) == 0
	})
}

func second[T any](_ T, err error) error { return err }

// TestReapplyAfterScale: an application scaled through BCS and then
// re-applied from its manifest takes the manifest's spec and count, at
// once and after the scale settled, with no conflict between the two.
func TestReapplyAfterScale(t *testing.T) {
	zks := zookeeper.StartT(t)
	ports, _ := sim.ParsePorts("31000-31100")
	srv, err := sim.Start(context.Background(), sim.Config{Listen: "127.0.0.1:0", Agents: 4,
		Agent: sim.AgentSpec{CPUs: 2, MemMB: 4096, Ports: ports}, AllocationInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	router := orchestrators.NewRouter()
	router.Register(orchestrators.KindMesos, Factory(scheduler.Config{ZKSessionTimeout: 4 * time.Second,
		Instance: scheduler.InstanceConfig{Address: "127.0.0.1", Port: 8080}, Logger: testLogger()}))
	defer router.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	o, err := router.For(ctx, orchestrators.Conn{ClusterID: "BCS-MESOS-10003", Kind: orchestrators.KindMesos,
		Endpoints: []string{srv.URL()}, Settings: map[string]string{SettingZK: zks.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := o.(*Orchestrator).Service(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "leadership", svc.IsLeader)

	app := func(cmd string) []byte {
		return []byte("kind: Application\nname: web\ninstances: 2\ncpus: 0.1\nmem: 32\ncmd: " + cmd + "\n")
	}
	web := spec.Ref{Namespace: "team", Name: "web"}
	ref := orchestrators.WorkloadRef{Namespace: "team", Kind: KindApplication, Name: "web"}
	settled := func(n int, version int64) func() bool {
		return func() bool {
			st, err := svc.GetApp(ctx, web)
			return err == nil && st.Instances == n && st.Current == n && st.Running == n && st.Version == version && st.Deployment == nil
		}
	}
	if _, err := o.Apply(ctx, orchestrators.ApplyRequest{Manifest: app("sleep 3600"), Namespace: "team"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 running", settled(2, 1))

	// Scaled, then re-applied with a new command before the scale settled.
	if _, err := o.Scale(ctx, ref, 4); err != nil {
		t.Fatal(err)
	}
	res, err := o.Apply(ctx, orchestrators.ApplyRequest{Manifest: app("sleep 7200"), Namespace: "team"})
	if err != nil {
		t.Fatalf("re-apply after scale: %v", err)
	}
	if got := changedPaths(res.Objects[0].Changes); res.Objects[0].Action != orchestrators.ActionConfigured || got != "cmd instances" {
		t.Fatalf("re-apply reports %s %s, want configured: cmd instances", res.Objects[0].Action, got)
	}
	eventually(t, "version 2 with the manifest's 2 instances", settled(2, 2))

	// Scaled and settled, then the same manifest again: back to its count.
	if _, err := o.Scale(ctx, ref, 3); err != nil {
		t.Fatal(err)
	}
	eventually(t, "scaled to 3", settled(3, 2))
	res, err = o.Apply(ctx, orchestrators.ApplyRequest{Manifest: app("sleep 7200"), Namespace: "team"})
	if err != nil {
		t.Fatalf("re-apply after a settled scale: %v", err)
	}
	if got := changedPaths(res.Objects[0].Changes); got != "instances" {
		t.Fatalf("re-apply reports changes %q, want instances", got)
	}
	eventually(t, "back to the manifest's 2", settled(2, 2))
}

func changedPaths(cs []orchestrators.FieldChange) string {
	paths := make([]string, len(cs))
	for i, c := range cs {
		paths[i] = c.Path
	}
	return strings.Join(paths, " ")
}
