package scheduler

import (
	"time"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// Application statuses, after the original's (Staging, Deploying, Running,
// Abnormal, …).
const (
	AppStaging   = "Staging"   // instances not all RUNNING, no deployment
	AppDeploying = "Deploying" // a deployment is rolling
	AppPaused    = "Paused"    // a deployment is paused
	AppRunning   = "Running"   // every instance RUNNING at the current version
	AppAbnormal  = "Abnormal"  // an instance gave up restarting
	AppSuspended = "Suspended" // zero instances and no tasks
	AppDeleting  = "Deleting"
)

// TaskStatus is one task as the scheduler knows it.
type TaskStatus struct {
	ID      string   `json:"id"`
	App     spec.Ref `json:"app"`
	Index   int      `json:"index"`
	Version int64    `json:"version"`
	// State is the Mesos task state name, e.g. TASK_RUNNING.
	State   string    `json:"state"`
	Healthy *bool     `json:"healthy,omitempty"`
	AgentID string    `json:"agentId"`
	Host    string    `json:"host"`
	Ports   []uint32  `json:"ports,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
	Killing string    `json:"killing,omitempty"` // why the scheduler is killing it
	Removed bool      `json:"removed,omitempty"` // terminal and forgotten (events only)
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Started time.Time `json:"started,omitzero"`
}

// InstanceFailure is an instance that failed recently.
type InstanceFailure struct {
	Index       int       `json:"index"`
	Failures    int       `json:"failures"`
	GaveUp      bool      `json:"gaveUp,omitempty"`
	NotBefore   time.Time `json:"notBefore,omitzero"`
	LastFailure string    `json:"lastFailure,omitempty"`
}

// AppStatus is an application with its current state.
type AppStatus struct {
	Ref       spec.Ref `json:"ref"`
	Version   int64    `json:"version"`
	Instances int      `json:"instances"`
	Status    string   `json:"status"`
	// Task counts: Running (any version), Current (RUNNING at Version),
	// Staging (launched, not yet RUNNING), Killing.
	Running int `json:"running"`
	Current int `json:"current"`
	Staging int `json:"staging"`
	Killing int `json:"killing"`
	Healthy int `json:"healthy"`

	Spec           spec.App                  `json:"spec"`
	Created        time.Time                 `json:"created"`
	Updated        time.Time                 `json:"updated"`
	Deployment     *DeploymentStatus         `json:"deployment,omitempty"`
	LastDeployment *zkstate.DeploymentResult `json:"lastDeployment,omitempty"`
	Failures       []InstanceFailure         `json:"failures,omitempty"`
}

// DeploymentStatus is a deployment in progress.
type DeploymentStatus struct {
	ID      string    `json:"id"`
	App     spec.Ref  `json:"app"`
	From    int64     `json:"from"`
	To      int64     `json:"to"`
	Reason  string    `json:"reason"`
	Paused  bool      `json:"paused"`
	Created time.Time `json:"created"`
	// Total instances, Done (RUNNING at To) and Old (tasks of other
	// versions still up).
	Total int `json:"total"`
	Done  int `json:"done"`
	Old   int `json:"old"`
	// Result is set when the deployment has ended (events only).
	Result string `json:"result,omitempty"`
}

// VersionInfo describes one kept version.
type VersionInfo struct {
	Version int64     `json:"version"`
	Created time.Time `json:"created"`
	Reason  string    `json:"reason"`
	Current bool      `json:"current"`
}
