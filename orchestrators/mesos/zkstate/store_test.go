package zkstate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/internal/zkutil"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

func connect(t *testing.T, srv *zookeeper.Server) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := zkutil.Connect(ctx, []string{srv.Addr()}, 4*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s.Conn
}

func TestRoundTripAndLayout(t *testing.T) {
	srv := zookeeper.StartT(t)
	conn := connect(t, srv)
	ctx := context.Background()
	fence := "/bcs/mesos/c1/leader/lock-0000000001"
	if err := zkutil.EnsurePath(conn, fence); err != nil {
		t.Fatal(err)
	}
	s, err := Open(conn, DefaultRoot("c1"), fence, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	app := spec.App{Name: "web", Instances: 3, CPUs: 0.1, Mem: 32, Cmd: "sleep 1"}.WithDefaults()
	key := app.Ref().Key()
	now := time.Now().UTC().Truncate(time.Millisecond)
	err = s.Apply(ctx,
		Create(s.FrameworkID(), "fw-1"),
		Create(s.App(key), AppRecord{Namespace: app.Namespace, Name: app.Name, Version: 1, Instances: 3, Created: now}),
		Create(s.Versions(key), nil),
		Create(s.Tasks(key), nil),
		Create(s.Paths.Version(key, 1), VersionRecord{Version: 1, Created: now, Reason: "created", Spec: app}),
		Create(s.Deployment("d1"), DeploymentRecord{ID: "d1", App: key, To: 1}),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Many async task writes, some repeated: they coalesce and all land.
	for i := 0; i < 1000; i++ {
		id := spec.TaskID(app.Ref(), i, "x")
		s.Enqueue(Create(s.Task(key, id), TaskRecord{ID: id, Index: i, Version: 1, State: "TASK_STAGING"}))
		s.Enqueue(Set(s.Task(key, id), TaskRecord{ID: id, Index: i, Version: 1, State: "TASK_RUNNING"}))
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.FrameworkID != "fw-1" || len(snap.Apps) != 1 || len(snap.Deployments) != 1 {
		t.Fatalf("snapshot: %+v", snap)
	}
	a := snap.Apps[0]
	if a.Target == nil || a.Target.Spec.Name != "web" || len(a.Versions) != 1 || len(a.Tasks) != 1000 {
		t.Fatalf("app snapshot: target %v versions %v tasks %d", a.Target, a.Versions, len(a.Tasks))
	}
	for _, tk := range a.Tasks {
		if tk.State != "TASK_RUNNING" {
			t.Fatalf("task %s: %s", tk.ID, tk.State)
		}
	}
	// Every node stays small.
	var walk func(p string)
	largest := 0
	walk = func(p string) {
		data, _, err := conn.Get(p)
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, len(data))
		children, _, _ := conn.Children(p)
		for _, c := range children {
			walk(strings.TrimSuffix(p, "/") + "/" + c)
		}
	}
	walk(s.Root)
	if largest > 64<<10 {
		t.Fatalf("largest node %d bytes", largest)
	}

	// Replaying creates of existing nodes overwrites them (a retried batch).
	id0 := spec.TaskID(app.Ref(), 0, "x")
	if err := s.Apply(ctx, Create(s.Task(key, id0), TaskRecord{ID: id0, State: "TASK_FAILED"}), Delete(s.Task(key, "missing"))); err != nil {
		t.Fatal(err)
	}
	data, _, _ := conn.Get(s.Task(key, id0))
	if !strings.Contains(string(data), "TASK_FAILED") {
		t.Fatalf("create over an existing node: %s", data)
	}
}

func TestFence(t *testing.T) {
	srv := zookeeper.StartT(t)
	conn := connect(t, srv)
	ctx := context.Background()
	fence := "/f/lock-1"
	if err := zkutil.EnsurePath(conn, fence); err != nil {
		t.Fatal(err)
	}
	s, err := Open(conn, "/state", fence, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Apply(ctx, Create("/state/a", "1")); err != nil {
		t.Fatal(err)
	}
	if err := conn.Delete(fence, -1); err != nil {
		t.Fatal(err)
	}
	err = s.Apply(ctx, Create("/state/b", "2"))
	if !errors.Is(err, ErrFenced) {
		t.Fatalf("write after the fence went: %v", err)
	}
	select {
	case <-s.Failed():
	default:
		t.Fatal("store not failed")
	}
	if ok, _, _ := conn.Exists("/state/b"); ok {
		t.Fatal("fenced write landed")
	}
	s.Enqueue(Create("/state/c", "3"))
	if err := s.Flush(ctx); !errors.Is(err, ErrFenced) {
		t.Fatalf("flush: %v", err)
	}
}

func TestBigBatchSplits(t *testing.T) {
	srv := zookeeper.StartT(t)
	conn := connect(t, srv)
	s, err := Open(conn, "/big", "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	blob := strings.Repeat("x", 100<<10)
	var ops []Op
	for i := 0; i < 30; i++ { // 3 MB in all: several requests
		ops = append(ops, Create(fmt.Sprintf("/big/n%02d", i), blob))
	}
	if err := s.Apply(context.Background(), ops...); err != nil {
		t.Fatal(err)
	}
	children, _, _ := conn.Children("/big")
	if len(children) != 32 { // apps, deployments and the 30
		t.Fatalf("%d children", len(children))
	}
}
