package mesoswatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// Reads of the scheduler's state that leave a watch behind, so that the
// next change of what was read comes back through onEvent. A node that does
// not exist gets an existence watch instead: its creation is a change too.

// children lists path's children, watching them; a missing path is empty.
func (a *appsWatch) children(path string) ([]string, error) {
	names, _, _, err := a.conn.ChildrenW(path)
	if errors.Is(err, zk.ErrNoNode) {
		if ok, _, _, err := a.conn.ExistsW(path); err != nil {
			return nil, fmt.Errorf("watch %s: %w", path, err)
		} else if ok {
			return a.children(path) // created in between
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", path, err)
	}
	return names, nil
}

// get decodes path's JSON into v, watching it; false if it does not exist
// (or does not decode: a later write will bring a good one).
func (a *appsWatch) get(path string, v any, watch bool) (bool, error) {
	var data []byte
	var err error
	if watch {
		data, _, _, err = a.conn.GetW(path)
	} else {
		data, _, err = a.conn.Get(path)
	}
	if errors.Is(err, zk.ErrNoNode) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		a.w.Log.Warn("mesoswatch: undecodable record skipped", "path", path, "err", err)
		return false, nil
	}
	return true, nil
}

// reloadList re-reads the application list: new applications are loaded,
// vanished ones marked dirty (and so deleted).
func (a *appsWatch) reloadList(ctx context.Context, dirty map[string]bool) error {
	keys, err := a.children(a.paths.Apps())
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, key := range keys {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		seen[key] = true
		if a.apps[key] == nil {
			if err := a.reloadApp(key, true); err != nil {
				return err
			}
			dirty[key] = true
		}
	}
	for key := range a.apps {
		if !seen[key] {
			delete(a.apps, key)
			dirty[key] = true
		}
	}
	return nil
}

// reloadApp re-reads an application's record (and its target version when
// it changed); withTasks also lists and reads its tasks, as for an
// application not seen before.
func (a *appsWatch) reloadApp(key string, withTasks bool) error {
	var rec zkstate.AppRecord
	ok, err := a.get(a.paths.App(key), &rec, true)
	if err != nil {
		return err
	}
	if !ok {
		delete(a.apps, key)
		return nil
	}
	st := a.apps[key]
	if st == nil {
		st = &appState{tasks: map[string]zkstate.TaskRecord{}}
		a.apps[key] = st
		withTasks = true
	}
	st.rec = rec
	if st.target == nil || st.target.Version != rec.Version {
		// Versions never change once written: no watch needed.
		var v zkstate.VersionRecord
		if ok, err := a.get(a.paths.Version(key, rec.Version), &v, false); err != nil {
			return err
		} else if ok {
			st.target = &v
		}
	}
	if withTasks {
		return a.reloadTaskList(key, st)
	}
	return nil
}

// reloadTaskList re-reads which tasks an application has, reading new ones.
func (a *appsWatch) reloadTaskList(key string, st *appState) error {
	ids, err := a.children(a.paths.Tasks(key))
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
		if _, ok := st.tasks[id]; !ok {
			if err := a.reloadTask(key, id, st); err != nil {
				return err
			}
		}
	}
	for id := range st.tasks {
		if !seen[id] {
			delete(st.tasks, id)
		}
	}
	return nil
}

func (a *appsWatch) reloadTask(key, id string, st *appState) error {
	var rec zkstate.TaskRecord
	ok, err := a.get(a.paths.Task(key, id), &rec, true)
	if err != nil {
		return err
	}
	if ok {
		st.tasks[id] = rec
	} else {
		delete(st.tasks, id)
	}
	return nil
}

// reloadDeploys re-reads the deployments in progress; applications whose
// deployment started, changed or ended are marked dirty.
func (a *appsWatch) reloadDeploys(dirty map[string]bool) error {
	ids, err := a.children(a.paths.Deployments())
	if err != nil {
		return err
	}
	next := make(map[string]zkstate.DeploymentRecord, len(ids))
	for _, id := range ids {
		var d zkstate.DeploymentRecord
		if ok, err := a.get(a.paths.Deployment(id), &d, true); err != nil {
			return err
		} else if ok {
			next[id] = d
		}
	}
	for id, d := range next {
		if old, ok := a.deploys[id]; !ok || old != d {
			dirty[d.App] = true
		}
	}
	for id, d := range a.deploys {
		if _, ok := next[id]; !ok {
			dirty[d.App] = true
		}
	}
	a.deploys = next
	return nil
}
