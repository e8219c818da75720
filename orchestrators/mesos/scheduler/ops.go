package scheduler

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// Errors the API reports as the user's to fix (with *spec.ValidationError).
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrConflict = errors.New("conflict")
)

// The operations below run on the loop (through Engine.do). Each writes
// ZooKeeper first and changes memory only once the write succeeded, so the
// state a new leader loads is never behind what this one acted on.

func (e *Engine) find(ref spec.Ref) (*app, error) {
	a := e.apps[ref.Key()]
	if a == nil {
		return nil, fmt.Errorf("application %s: %w", ref, ErrNotFound)
	}
	return a, nil
}

func (e *Engine) findLive(ref spec.Ref) (*app, error) {
	a, err := e.find(ref)
	if err == nil && a.rec.Deleting {
		err = fmt.Errorf("application %s is being deleted: %w", ref, ErrConflict)
	}
	return a, err
}

func prepare(s spec.App) (spec.App, error) {
	s = s.WithDefaults()
	if err := s.Validate(); err != nil {
		return s, err
	}
	return s, nil
}

func newDeploymentID() string { return uuid.NewString() }

func (e *Engine) createApp(s spec.App) (*AppStatus, error) {
	s, err := prepare(s)
	if err != nil {
		return nil, err
	}
	ref := s.Ref()
	if a := e.apps[ref.Key()]; a != nil {
		if a.rec.Deleting {
			return nil, fmt.Errorf("application %s is still being deleted: %w", ref, ErrConflict)
		}
		return nil, fmt.Errorf("application %s: %w", ref, ErrExists)
	}
	now := time.Now().UTC()
	key := ref.Key()
	rec := zkstate.AppRecord{Namespace: ref.Namespace, Name: ref.Name, Version: 1, Instances: s.Instances, Created: now, Updated: now}
	vr := &zkstate.VersionRecord{Version: 1, Created: now, Reason: "created", Spec: s}
	d := &zkstate.DeploymentRecord{ID: newDeploymentID(), App: key, To: 1, Reason: "created", Created: now, Updated: now}
	err = e.persist(
		zkstate.Create(e.store.App(key), rec),
		zkstate.Create(e.store.Versions(key), nil),
		zkstate.Create(e.store.Tasks(key), nil),
		zkstate.Create(e.store.Paths.Version(key, 1), vr),
		zkstate.Create(e.store.Deployment(d.ID), d),
	)
	if err != nil {
		return nil, err
	}
	a := &app{rec: rec, target: vr, versions: []int64{1}, tasks: map[string]*task{}, deploy: d, dirty: true}
	a.resetPlacement(e.agents)
	e.apps[key] = a
	e.log.Info("application created", "app", ref.String(), "instances", s.Instances)
	e.emitApp(a)
	e.emitDeployment(a, d, "")
	return e.appStatus(a), nil
}

// sameSpec compares specs apart from the instance count.
func sameSpec(a, b spec.App) bool {
	a.Instances, b.Instances = 0, 0
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func (e *Engine) updateApp(s spec.App) (*AppStatus, error) {
	s, err := prepare(s)
	if err != nil {
		return nil, err
	}
	a, err := e.findLive(s.Ref())
	if err != nil {
		return nil, err
	}
	if sameSpec(*a.spec(), s) {
		if s.Instances != a.rec.Instances {
			if _, err := e.scaleApp(a, s.Instances); err != nil {
				return nil, err
			}
		}
		return e.appStatus(a), nil
	}
	if err := e.newVersion(a, s, "updated", s.Instances, "superseded"); err != nil {
		return nil, err
	}
	return e.appStatus(a), nil
}

// newVersion stores s as the next version and starts a deployment to it;
// a deployment still running ends with endResult.
func (e *Engine) newVersion(a *app, s spec.App, reason string, instances int, endResult string) error {
	now := time.Now().UTC()
	key := a.key()
	v := a.rec.Version + 1
	if len(a.versions) > 0 {
		v = max(v, a.versions[len(a.versions)-1]+1)
	}
	s.Instances = instances
	vr := &zkstate.VersionRecord{Version: v, Created: now, Reason: reason, Spec: s}
	rec := a.rec
	rec.Version, rec.Instances, rec.Updated, rec.Slots = v, instances, now, nil
	d := &zkstate.DeploymentRecord{ID: newDeploymentID(), App: key, From: a.rec.Version, To: v, Reason: reason,
		Created: now, Updated: now}
	ops := []zkstate.Op{zkstate.Create(e.store.Paths.Version(key, v), vr)}
	old := a.deploy
	if old != nil {
		rec.LastDeployment = &zkstate.DeploymentResult{ID: old.ID, To: old.To, Result: endResult, Finished: now}
		ops = append(ops, zkstate.Delete(e.store.Deployment(old.ID)))
	}
	ops = append(ops, zkstate.Set(e.store.App(key), rec), zkstate.Create(e.store.Deployment(d.ID), d))
	versions := append(slices.Clone(a.versions), v)
	for len(versions) > zkstate.MaxVersions {
		ops = append(ops, zkstate.Delete(e.store.Paths.Version(key, versions[0])))
		versions = versions[1:]
	}
	if err := e.persist(ops...); err != nil {
		return err
	}
	a.rec, a.target, a.versions, a.deploy, a.dirty = rec, vr, versions, d, true
	a.resetPlacement(e.agents)
	e.log.Info("new version", "app", a.ref().String(), "version", v, "reason", reason)
	if old != nil {
		e.emitDeployment(a, old, endResult)
	}
	e.emitApp(a)
	e.emitDeployment(a, d, "")
	return nil
}

func (e *Engine) scaleApp(a *app, n int) (int, error) {
	if n < 0 || n > spec.MaxInstances {
		return 0, &spec.ValidationError{App: a.ref().String(), Errors: []spec.FieldError{{Field: "instances",
			Message: fmt.Sprintf("must be between 0 and %d, not %d", spec.MaxInstances, n)}}}
	}
	prev := a.rec.Instances
	if n == prev {
		return prev, nil
	}
	rec := a.rec
	rec.Instances, rec.Updated = n, time.Now().UTC()
	rec.Slots = nil
	for i, sl := range a.rec.Slots {
		if i < n {
			if rec.Slots == nil {
				rec.Slots = map[int]zkstate.Slot{}
			}
			rec.Slots[i] = sl
		}
	}
	if err := e.persist(zkstate.Set(e.store.App(a.key()), rec)); err != nil {
		return 0, err
	}
	a.rec, a.dirty = rec, true
	e.log.Info("scaled", "app", a.ref().String(), "from", prev, "to", n)
	e.emitApp(a)
	return prev, nil
}

func (e *Engine) rollbackApp(a *app, version int64) (from, to int64, err error) {
	from = a.rec.Version
	if version == 0 {
		for _, v := range a.versions {
			if v < from {
				version = v
			}
		}
		if version == 0 {
			return 0, 0, fmt.Errorf("application %s has no version before %d: %w", a.ref(), from, ErrNotFound)
		}
	}
	vr, err := e.store.ReadVersion(a.key(), version)
	if err != nil {
		return 0, 0, err
	}
	if vr == nil {
		return 0, 0, fmt.Errorf("application %s: version %d is not kept (kept: %v): %w", a.ref(), version, a.versions, ErrNotFound)
	}
	if err := e.newVersion(a, vr.Spec, fmt.Sprintf("rolled back to %d", version), a.rec.Instances, "superseded"); err != nil {
		return 0, 0, err
	}
	return from, version, nil
}

func (e *Engine) deleteApp(a *app) error {
	if a.rec.Deleting {
		return nil
	}
	rec := a.rec
	rec.Deleting, rec.Updated = true, time.Now().UTC()
	ops := []zkstate.Op{zkstate.Set(e.store.App(a.key()), rec)}
	if a.deploy != nil {
		ops = append(ops, zkstate.Delete(e.store.Deployment(a.deploy.ID)))
	}
	if err := e.persist(ops...); err != nil {
		return err
	}
	if d := a.deploy; d != nil {
		a.deploy = nil
		e.emitDeployment(a, d, "deleted")
	}
	a.rec, a.dirty = rec, true
	e.log.Info("deleting application", "app", a.ref().String(), "tasks", len(a.tasks))
	e.emitApp(a)
	return nil
}

// finishDelete removes an application whose tasks are all gone.
func (e *Engine) finishDelete(a *app) {
	key := a.key()
	var ops []zkstate.Op
	for _, v := range a.versions {
		ops = append(ops, zkstate.Delete(e.store.Paths.Version(key, v)))
	}
	ops = append(ops, zkstate.Delete(e.store.Versions(key)), zkstate.Delete(e.store.Tasks(key)), zkstate.Delete(e.store.App(key)))
	if err := e.persist(ops...); err != nil {
		e.log.Error("cannot remove a deleted application's records; will retry", "app", a.ref().String(), "err", err)
		a.wake = time.Now().Add(time.Second)
		return
	}
	delete(e.apps, key)
	e.log.Info("application deleted", "app", a.ref().String())
	e.emit(Event{Type: EventAppDeleted, Time: time.Now(), App: a.ref()})
}

func (e *Engine) killTask(id string, restart bool) (*TaskStatus, error) {
	t := e.tasks[id]
	if t == nil {
		return nil, fmt.Errorf("task %s: %w", id, ErrNotFound)
	}
	if restart {
		e.kill(t, "restart")
		return t.status(), nil
	}
	// A killed instance stays down until the application is restarted,
	// updated or rolled back (which start every instance afresh).
	a := t.app
	rec := a.rec
	rec.Slots = make(map[int]zkstate.Slot, len(a.rec.Slots)+1)
	for i, sl := range a.rec.Slots {
		rec.Slots[i] = sl
	}
	rec.Slots[t.rec.Index] = zkstate.Slot{GaveUp: true, LastFailure: "killed by a user"}
	if err := e.persist(zkstate.Set(e.store.App(a.key()), rec)); err != nil {
		return nil, err
	}
	a.rec = rec
	e.kill(t, "user")
	return t.status(), nil
}

func (e *Engine) setPaused(a *app, paused bool) (*DeploymentStatus, error) {
	d := a.deploy
	if d == nil {
		return nil, fmt.Errorf("application %s has no deployment in progress: %w", a.ref(), ErrNotFound)
	}
	if d.Paused == paused {
		return e.deploymentStatus(a, d), nil
	}
	nd := *d
	nd.Paused, nd.Updated = paused, time.Now().UTC()
	if err := e.persist(zkstate.Set(e.store.Deployment(d.ID), nd)); err != nil {
		return nil, err
	}
	a.deploy, a.dirty = &nd, true
	e.emitDeployment(a, &nd, "")
	return e.deploymentStatus(a, &nd), nil
}

// cancelDeployment rolls back to the version the deployment started from,
// as Marathon's DELETE /v2/deployments does.
func (e *Engine) cancelDeployment(a *app) (*DeploymentStatus, error) {
	d := a.deploy
	if d == nil {
		return nil, fmt.Errorf("application %s has no deployment in progress: %w", a.ref(), ErrNotFound)
	}
	if d.From == 0 {
		return nil, fmt.Errorf("deployment %s created application %s; delete the application instead: %w", d.ID, a.ref(), ErrConflict)
	}
	vr, err := e.store.ReadVersion(a.key(), d.From)
	if err != nil {
		return nil, err
	}
	if vr == nil {
		return nil, fmt.Errorf("version %d of %s is not kept: %w", d.From, a.ref(), ErrNotFound)
	}
	reason := fmt.Sprintf("cancelled deployment to %d; back to %d", d.To, d.From)
	if err := e.newVersion(a, vr.Spec, reason, a.rec.Instances, "cancelled"); err != nil {
		return nil, err
	}
	return e.deploymentStatus(a, a.deploy), nil
}

func (e *Engine) listApps(namespace string) []AppStatus {
	out := []AppStatus{}
	for _, a := range e.sortedApps() {
		if namespace == "" || a.rec.Namespace == namespace {
			out = append(out, *e.appStatus(a))
		}
	}
	return out
}

func (e *Engine) listTasks(ref *spec.Ref) []TaskStatus {
	out := []TaskStatus{}
	for _, a := range e.sortedApps() {
		if ref != nil && a.ref() != *ref {
			continue
		}
		for _, t := range a.sortedTasks() {
			out = append(out, *t.status())
		}
	}
	return out
}

func (e *Engine) listDeployments() []DeploymentStatus {
	out := []DeploymentStatus{}
	for _, a := range e.sortedApps() {
		if a.deploy != nil {
			out = append(out, *e.deploymentStatus(a, a.deploy))
		}
	}
	return out
}

func (e *Engine) listVersions(a *app) ([]VersionInfo, error) {
	out := make([]VersionInfo, 0, len(a.versions))
	for _, v := range a.versions {
		vr, err := e.store.ReadVersion(a.key(), v)
		if err != nil {
			return nil, err
		}
		if vr != nil {
			out = append(out, VersionInfo{Version: v, Created: vr.Created, Reason: vr.Reason, Current: v == a.rec.Version})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version > out[j].Version })
	return out, nil
}
