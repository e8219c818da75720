package mesoswatch

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// appsWatch follows applications in the scheduler's ZooKeeper state. Every
// node it reads carries a watch; the event callback only marks what to
// re-read (pending), and run re-reads it, recomputes the applications
// touched and submits them.
type appsWatch struct {
	w     *Watcher
	paths zkstate.Paths
	conn  *zk.Conn

	mu      sync.Mutex
	pending pending
	wake    chan struct{} // capacity 1
	started bool
	session chan struct{} // closed at the first session

	// Owned by run.
	apps    map[string]*appState                // by key ns.name
	deploys map[string]zkstate.DeploymentRecord // by deployment id
}

// pending is what changed since run last looked.
type pending struct {
	resync, list, deploys bool
	apps, taskLists       map[string]bool
	tasks                 map[[2]string]bool // app key, task id
}

type appState struct {
	rec    zkstate.AppRecord
	target *zkstate.VersionRecord
	tasks  map[string]zkstate.TaskRecord
}

func newAppsWatch(w *Watcher, paths zkstate.Paths) *appsWatch {
	return &appsWatch{w: w, paths: paths, wake: make(chan struct{}, 1), session: make(chan struct{}),
		pending: pending{resync: true}}
}

// onEvent is go-zookeeper's callback for session and watch events. It
// must not block: it records and wakes run.
func (a *appsWatch) onEvent(ev zk.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := &a.pending
	switch {
	case ev.Type == zk.EventSession:
		if ev.State != zk.StateHasSession {
			return
		}
		if !a.started {
			a.started = true
			close(a.session)
		}
		// A new session has lost its watches, and a resumed one may have
		// missed changes while disconnected: re-read everything.
		p.resync = true
	case ev.Type == zk.EventNotWatching:
		// go-zookeeper dropped the watches (session expired or closed).
		p.resync = true
	case ev.Path == a.paths.Apps():
		p.list = true
	case ev.Path == a.paths.Deployments() || strings.HasPrefix(ev.Path, a.paths.Deployments()+"/"):
		p.deploys = true
	case strings.HasPrefix(ev.Path, a.paths.Apps()+"/"):
		parts := strings.Split(strings.TrimPrefix(ev.Path, a.paths.Apps()+"/"), "/")
		switch {
		case len(parts) == 1:
			p.apps = mark(p.apps, parts[0])
		case len(parts) == 2 && parts[1] == "tasks":
			p.taskLists = mark(p.taskLists, parts[0])
		case len(parts) == 3 && parts[1] == "tasks":
			if p.tasks == nil {
				p.tasks = map[[2]string]bool{}
			}
			p.tasks[[2]string{parts[0], parts[2]}] = true
		}
	default:
		return
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func mark(m map[string]bool, k string) map[string]bool {
	if m == nil {
		m = map[string]bool{}
	}
	m[k] = true
	return m
}

// run processes changes until ctx ends. A failed read (ZooKeeper
// unreachable) schedules a full resync after a pause.
func (a *appsWatch) run(ctx context.Context) {
	for {
		a.mu.Lock()
		p := a.pending
		a.pending = pending{}
		a.mu.Unlock()
		if err := a.process(ctx, p); err != nil && ctx.Err() == nil {
			a.w.Log.Warn("mesoswatch: reading the scheduler's state failed; resyncing", "err", err)
			a.mu.Lock()
			a.pending.resync = true
			a.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		}
	}
}

func (a *appsWatch) process(ctx context.Context, p pending) error {
	if p.resync {
		return a.resync(ctx)
	}
	dirty := map[string]bool{}
	if p.list {
		if err := a.reloadList(ctx, dirty); err != nil {
			return err
		}
	}
	if p.deploys {
		if err := a.reloadDeploys(dirty); err != nil {
			return err
		}
	}
	for key := range p.apps {
		if err := a.reloadApp(key, false); err != nil {
			return err
		}
		dirty[key] = true
	}
	for key := range p.taskLists {
		if st := a.apps[key]; st != nil {
			if err := a.reloadTaskList(key, st); err != nil {
				return err
			}
			dirty[key] = true
		}
	}
	for kt := range p.tasks {
		if st := a.apps[kt[0]]; st != nil {
			if err := a.reloadTask(kt[0], kt[1], st); err != nil {
				return err
			}
			dirty[kt[0]] = true
		}
	}
	var events []changelog.Event
	for key := range dirty {
		if ev, ok := a.event(key); ok {
			events = append(events, ev)
		}
	}
	return a.w.Writer.Submit(ctx, events...)
}

// resync reads everything afresh, watching it, and writes the difference
// with storage.
func (a *appsWatch) resync(ctx context.Context) error {
	a.apps, a.deploys = map[string]*appState{}, map[string]zkstate.DeploymentRecord{}
	if err := a.reloadDeploys(map[string]bool{}); err != nil {
		return err
	}
	if err := a.reloadList(ctx, map[string]bool{}); err != nil {
		return err
	}
	events := make([]changelog.Event, 0, len(a.apps))
	for key := range a.apps {
		if ev, ok := a.event(key); ok && ev.Type != changelog.Deleted {
			events = append(events, ev)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return a.w.Writer.Resync(ctx, a.w.ClusterID, KindApplication, events)
}

// event is the application's current status, or its deletion.
func (a *appsWatch) event(key string) (changelog.Event, bool) {
	st := a.apps[key]
	if st == nil {
		ref, ok := spec.ParseKey(key)
		if !ok {
			return changelog.Event{}, false
		}
		return changelog.Event{ClusterID: a.w.ClusterID, ProjectID: a.w.ProjectID, Kind: KindApplication,
			Namespace: ref.Namespace, Name: ref.Name, Type: changelog.Deleted}, true
	}
	snap := zkstate.AppSnapshot{App: st.rec, Target: st.target}
	for _, t := range st.tasks {
		snap.Tasks = append(snap.Tasks, t)
	}
	var deploy *zkstate.DeploymentRecord
	for _, d := range a.deploys {
		if d.App == key {
			deploy = &d
		}
	}
	status, ok := scheduler.StatusFromSnapshot(snap, deploy)
	if !ok {
		return changelog.Event{}, false // created, its version not written yet: a later watch brings it
	}
	return appEvent(a.w, *status), true
}
