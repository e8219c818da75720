package sim

import (
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// The simulator's state. Everything here is guarded by Sim.mu. Resources are
// kept without allocation info; it is added only when offering.

type agent struct {
	info       mesos.AgentInfo // ID set
	id         string
	total      mesos.Resources
	available  mesos.Resources // neither offered nor used
	registered time.Time

	offers    map[string]*offer
	tasks     map[*task]struct{}
	executors map[executorKey]*executor
}

type framework struct {
	id   string
	info mesos.FrameworkInfo // ID set

	// connected: a SUBSCRIBE stream is open. active: connected and not
	// torn down; offers go to active frameworks only.
	connected bool
	stream    *stream
	streamID  string

	registered, reregistered, unregistered time.Time
	failoverTimer                          *time.Timer
	removed                                bool

	suppressed map[string]bool // by role
	filters    map[string]*offerFilter
	offers     map[string]*offer
	tasks      map[string]*task // active and unacknowledged-terminal tasks
	unreach    map[string]*task // PARTITION_AWARE tasks on unreachable agents
	completed  []mesos.Task     // oldest first, bounded
}

// offerFilter is a refusal (DECLINE, or what an ACCEPT left unused) of one
// agent's resources until expires. Like Mesos's RefusedOfferFilter it only
// holds back offers that the refused resources contain, so an agent with
// more to give (a task ended) is offered again.
type offerFilter struct {
	expires   time.Time
	resources mesos.Resources
}

type offer struct {
	id        string
	fw        *framework
	agent     *agent
	role      string
	resources mesos.Resources // unallocated form
	created   time.Time
}

type executorKey struct{ fw, id string }

// executor stands for a custom or default executor on an agent. It holds its
// own resources while any of its tasks is not terminal.
type executor struct {
	info      mesos.ExecutorInfo
	agent     *agent
	fw        *framework
	resources mesos.Resources
	tasks     map[*task]struct{}
}

type task struct {
	info      mesos.TaskInfo
	fw        *framework
	agent     *agent
	resources mesos.Resources
	executor  *executor
	group     []*task // LAUNCH_GROUP siblings, including itself

	state    mesos.TaskState // latest, as the agent knows it
	released bool            // resources given back (terminal state seen)
	killing  bool
	done     bool // removed from its framework (completed)

	// The agent's status update stream: the head of pending is in flight,
	// the next is sent once it is acknowledged.
	pending     []mesos.TaskStatus
	retry       *time.Timer
	retryPeriod time.Duration
	forwarded   []mesos.TaskStatus // sent to the framework, for Task.statuses
	acked       *mesos.TaskStatus

	step *time.Timer // the next lifecycle transition

	// the last (status uuid, state) pair reported to operator subscribers
	opUUID  string
	opState mesos.TaskState
}

func isTerminal(s mesos.TaskState) bool {
	switch s {
	case mesos.TASK_FINISHED, mesos.TASK_FAILED, mesos.TASK_KILLED, mesos.TASK_ERROR,
		mesos.TASK_LOST, mesos.TASK_DROPPED, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

func (fw *framework) hasCapability(c mesos.FrameworkInfo_Capability_Type) bool {
	for _, x := range fw.info.Capabilities {
		if x.Type == c {
			return true
		}
	}
	return false
}

func (fw *framework) partitionAware() bool {
	return fw.hasCapability(mesos.FrameworkInfo_Capability_PARTITION_AWARE)
}

// roles are the framework's roles: FrameworkInfo.roles for MULTI_ROLE
// frameworks, else the deprecated single role (default "*").
func (fw *framework) roles() []string {
	if fw.hasCapability(mesos.FrameworkInfo_Capability_MULTI_ROLE) && len(fw.info.Roles) > 0 {
		return fw.info.Roles
	}
	return []string{fw.info.GetRole()}
}

// offerRole is the first role that is not suppressed, or "" when all are.
func (fw *framework) offerRole() string {
	for _, r := range fw.roles() {
		if !fw.suppressed[r] {
			return r
		}
	}
	return ""
}

func (fw *framework) failoverTimeout() time.Duration {
	return time.Duration(fw.info.GetFailoverTimeout() * float64(time.Second))
}
