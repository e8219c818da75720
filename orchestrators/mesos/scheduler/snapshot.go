package scheduler

import (
	"github.com/go-zookeeper/zk"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// Read-only views for consumers that follow the stored state from any
// replica (the Mesos datawatch) instead of asking the leader: they compute
// an application's status exactly as the leader does, from the same
// records.

// StatusFromSnapshot is the AppStatus the leader would report for an
// application loaded from ZooKeeper, with its deployment in progress (nil
// if none). It reports false for an application without its target
// version, which a leader would not load either.
func StatusFromSnapshot(snap zkstate.AppSnapshot, deploy *zkstate.DeploymentRecord) (*AppStatus, bool) {
	if snap.Target == nil {
		return nil, false
	}
	a := &app{rec: snap.App, target: snap.Target, versions: snap.Versions, tasks: map[string]*task{}, deploy: deploy}
	for _, rec := range snap.Tasks {
		a.tasks[rec.ID] = &task{rec: rec, app: a}
	}
	// appStatus and statusOf only read the app, never the engine.
	return (*Engine)(nil).appStatus(a), true
}

// IsTerminalState reports whether a task in state s is over, as the
// scheduler treats it (TASK_LOST included).
func IsTerminalState(s mesos.TaskState) bool { return isTerminal(s) }

// LeadingMaster returns the base URL of the leading Mesos master registered
// under path (Mesos's json.info_ nodes, lowest sequence leads).
func LeadingMaster(conn *zk.Conn, path string) (string, error) {
	m := &masterSource{zk: conn, path: path}
	return m.fromZK()
}
