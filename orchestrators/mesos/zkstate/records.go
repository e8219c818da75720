package zkstate

import (
	"time"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// MaxVersions is how many versions of an application are kept.
const MaxVersions = 20

// AppRecord is an application's desired state.
type AppRecord struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Version is the version every instance should run.
	Version int64 `json:"version"`
	// Instances is the desired count. Scaling changes it without a new
	// version; a spec update sets it from the spec; rollback keeps it.
	Instances int       `json:"instances"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	// Deleting: every task is being killed; the record goes when they are.
	Deleting bool `json:"deleting,omitempty"`
	// Slots holds restart bookkeeping for instances that failed recently.
	Slots map[int]Slot `json:"slots,omitempty"`
	// LastDeployment is the outcome of the most recent deployment.
	LastDeployment *DeploymentResult `json:"lastDeployment,omitempty"`
}

// Ref names the application.
func (r *AppRecord) Ref() spec.Ref { return spec.Ref{Namespace: r.Namespace, Name: r.Name} }

// Slot is one instance index's restart state.
type Slot struct {
	Failures    int       `json:"failures"`
	NotBefore   time.Time `json:"notBefore,omitzero"`
	GaveUp      bool      `json:"gaveUp,omitempty"`
	LastFailure string    `json:"lastFailure,omitempty"`
}

// DeploymentResult records how a deployment ended.
type DeploymentResult struct {
	ID       string    `json:"id"`
	To       int64     `json:"to"`
	Result   string    `json:"result"` // succeeded, superseded, cancelled, failed, deleted
	Finished time.Time `json:"finished"`
}

// VersionRecord is one version of an application's spec.
type VersionRecord struct {
	Version int64     `json:"version"`
	Created time.Time `json:"created"`
	// Reason: created, updated, restarted, rolled back to <n>.
	Reason string   `json:"reason"`
	Spec   spec.App `json:"spec"`
}

// TaskRecord is one launched task. State is the Mesos state name
// (TASK_STAGING until the first update).
type TaskRecord struct {
	ID       string   `json:"id"`
	Index    int      `json:"index"`
	Version  int64    `json:"version"`
	AgentID  string   `json:"agentId"`
	Hostname string   `json:"hostname"`
	Ports    []uint32 `json:"ports,omitempty"`
	// Attributes of the agent, kept for constraint accounting after a
	// failover (before any offer from that agent arrives).
	Attributes map[string]string `json:"attributes,omitempty"`
	State      string            `json:"state"`
	Healthy    *bool             `json:"healthy,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	Message    string            `json:"message,omitempty"`
	Created    time.Time         `json:"created"`
	Updated    time.Time         `json:"updated"`
	StartedAt  time.Time         `json:"startedAt,omitzero"` // RUNNING since
	// Kill is set once the scheduler decided to kill the task, with why:
	// scale-down, replaced, restart, delete, user, orphan.
	Kill string `json:"kill,omitempty"`
}

// DeploymentRecord is a rolling update in progress.
type DeploymentRecord struct {
	ID      string    `json:"id"`
	App     string    `json:"app"` // application key, ns.name
	From    int64     `json:"from"`
	To      int64     `json:"to"`
	Reason  string    `json:"reason"`
	Paused  bool      `json:"paused,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}
