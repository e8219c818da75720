package scheduler

import (
	"sort"

	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

func (e *Engine) appStatus(a *app) *AppStatus {
	st := &AppStatus{
		Ref: a.ref(), Version: a.rec.Version, Instances: a.rec.Instances, Status: e.statusOf(a),
		Spec: *a.spec(), Created: a.rec.Created, Updated: a.rec.Updated, LastDeployment: a.rec.LastDeployment,
	}
	st.Spec.Instances = a.rec.Instances
	for _, t := range a.tasks {
		switch {
		case t.rec.Kill != "":
			st.Killing++
		case t.running():
			st.Running++
			if t.rec.Version == a.rec.Version && t.rec.Index < a.rec.Instances {
				st.Current++
			}
		default:
			st.Staging++
		}
		if t.rec.Healthy != nil && *t.rec.Healthy {
			st.Healthy++
		}
	}
	if a.deploy != nil {
		st.Deployment = e.deploymentStatus(a, a.deploy)
	}
	for i, sl := range a.rec.Slots {
		st.Failures = append(st.Failures, InstanceFailure{Index: i, Failures: sl.Failures, GaveUp: sl.GaveUp,
			NotBefore: sl.NotBefore, LastFailure: sl.LastFailure})
	}
	sort.Slice(st.Failures, func(i, j int) bool { return st.Failures[i].Index < st.Failures[j].Index })
	return st
}

func (e *Engine) deploymentStatus(a *app, d *zkstate.DeploymentRecord) *DeploymentStatus {
	ds := &DeploymentStatus{ID: d.ID, App: a.ref(), From: d.From, To: d.To, Reason: d.Reason, Paused: d.Paused,
		Created: d.Created, Total: a.rec.Instances}
	for _, t := range a.tasks {
		switch {
		case t.rec.Kill != "":
		case t.rec.Version != d.To:
			ds.Old++
		case t.running() && t.rec.Index < a.rec.Instances:
			ds.Done++
		}
	}
	return ds
}
