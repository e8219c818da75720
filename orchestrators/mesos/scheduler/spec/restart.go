package spec

import (
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// ResetAfter is how long a task must stay RUNNING for its instance's
// failure count to start over (the original's 30 minutes).
const ResetAfter = 30 * time.Minute

// Outcome classifies how a task ended, for the restart policy.
type Outcome int

const (
	// Finished: the command exited 0.
	Finished Outcome = iota
	// Failed: it exited non-zero, could not start, or was killed by someone
	// other than the scheduler.
	Failed
	// Lost: its agent went away or Mesos no longer knows it; no fault of
	// the application, so it neither counts as a failure nor waits.
	Lost
)

// OutcomeOf classifies a terminal task state.
func OutcomeOf(s mesos.TaskState) Outcome {
	switch s {
	case mesos.TASK_FINISHED:
		return Finished
	case mesos.TASK_LOST, mesos.TASK_DROPPED, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR,
		mesos.TASK_UNREACHABLE, mesos.TASK_UNKNOWN:
		return Lost
	}
	return Failed
}

// Restarts reports whether the policy starts an instance again after this
// outcome. OnFailure restarts lost tasks too: the original left them to a
// lost-agent grace period, but an instance must not disappear with its host.
func (r RestartPolicy) Restarts(o Outcome) bool {
	switch r.Policy {
	case RestartNever:
		return false
	case RestartAlways:
		return true
	}
	return o != Finished
}

// Delay is how long the n-th consecutive failure (n ≥ 1) waits before the
// instance starts again.
func (r RestartPolicy) Delay(n int) time.Duration {
	if n < 1 {
		return 0
	}
	d := time.Duration(r.IntervalSeconds)*time.Second + time.Duration(n-1)*time.Duration(r.BackoffSeconds)*time.Second
	if limit := time.Duration(r.MaxDelaySeconds) * time.Second; limit > 0 && d > limit {
		d = limit
	}
	return d
}

// Exhausted reports whether n consecutive failures use up MaxTimes.
func (r RestartPolicy) Exhausted(n int) bool { return r.MaxTimes > 0 && n > r.MaxTimes }
