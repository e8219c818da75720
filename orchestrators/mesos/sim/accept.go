package sim

import (
	"errors"
	"fmt"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/resources"
)

// acceptLocked is ACCEPT; DECLINE is the same with no operations. Each offer
// can be used once; whatever the operations leave unused goes back to the
// agent, refused to this framework for filters.refuse_seconds (default 5).
func (s *Sim) acceptLocked(fw *framework, offerIDs []mesos.OfferID, ops []mesos.Offer_Operation, filters *mesos.Filters) {
	var (
		offers  []*offer
		invalid []string
		seen    = map[string]bool{}
	)
	for _, id := range offerIDs {
		o := s.offers[id.Value]
		switch {
		case seen[id.Value]:
			invalid = append(invalid, "Duplicate offer "+id.Value+" in ACCEPT")
		case o == nil || o.fw != fw:
			invalid = append(invalid, "Offer "+id.Value+" is no longer valid")
		default:
			offers = append(offers, o)
		}
		seen[id.Value] = true
	}
	var a *agent
	for _, o := range offers {
		if a != nil && o.agent != a {
			invalid = append(invalid, "Aggregated offers must belong to one single agent")
			break
		}
		a = o.agent
	}
	if len(offerIDs) == 0 {
		invalid = append(invalid, "No offers specified")
	}

	if len(ops) == 0 {
		// DECLINE: the valid offers are refused for refuse_seconds; ids
		// that are not (or no longer) offers are ignored.
		refused := map[*agent]mesos.Resources{}
		for _, o := range offers {
			r := refused[o.agent]
			r.Add(s.removeOfferLocked(o)...)
			refused[o.agent] = r
		}
		for a, r := range refused {
			s.refuseLocked(fw, a, r, filters.GetRefuseSeconds())
		}
		return
	}
	if len(invalid) > 0 {
		// The valid offers are used up all the same; their resources go
		// back without a filter. Every task gets a master-generated
		// TASK_LOST (TASK_DROPPED if PARTITION_AWARE).
		for _, o := range offers {
			s.removeOfferLocked(o)
		}
		state := mesos.TASK_LOST
		if fw.partitionAware() {
			state = mesos.TASK_DROPPED
		}
		msg := "Invalid offers: " + strings.Join(invalid, "; ")
		for _, ti := range operationTasks(ops) {
			s.sendLocked(fw, updateEvent(statusFor(ti.TaskID, &ti.AgentID, nil, state, mesos.REASON_INVALID_OFFERS, msg)))
		}
		return
	}

	var remaining mesos.Resources
	for _, o := range offers {
		remaining.Add(o.resources...)
		delete(s.offers, o.id)
		delete(o.agent.offers, o.id)
		delete(fw.offers, o.id)
	}
	for i := range ops {
		op := &ops[i]
		switch op.Type {
		case mesos.Offer_Operation_LAUNCH:
			if op.Launch == nil {
				continue
			}
			for j := range op.Launch.TaskInfos {
				s.launchOneLocked(fw, a, &op.Launch.TaskInfos[j], &remaining)
			}
		case mesos.Offer_Operation_LAUNCH_GROUP:
			if op.LaunchGroup != nil {
				s.launchGroupLocked(fw, a, op.LaunchGroup, &remaining)
			}
		default:
			// Reservations and volumes are outside the simulator.
			s.log.Warn("offer operation not simulated; ignored", "framework", fw.id, "type", op.Type.String())
		}
	}
	s.recoverLocked(fw, a, remaining, filters.GetRefuseSeconds())
}

func operationTasks(ops []mesos.Offer_Operation) []mesos.TaskInfo {
	var out []mesos.TaskInfo
	for _, op := range ops {
		switch {
		case op.Type == mesos.Offer_Operation_LAUNCH && op.Launch != nil:
			out = append(out, op.Launch.TaskInfos...)
		case op.Type == mesos.Offer_Operation_LAUNCH_GROUP && op.LaunchGroup != nil:
			out = append(out, op.LaunchGroup.TaskGroup.Tasks...)
		}
	}
	return out
}

// launchOneLocked validates and launches one LAUNCH task; an invalid task
// gets a master-generated TASK_ERROR (REASON_TASK_INVALID).
func (s *Sim) launchOneLocked(fw *framework, a *agent, ti *mesos.TaskInfo, remaining *mesos.Resources) {
	taskRes, err := s.validateTaskLocked(fw, a, ti)
	if err == nil && (ti.Command == nil) == (ti.Executor == nil) {
		err = errors.New("Task should have at least one (but not both) of CommandInfo or ExecutorInfo present")
	}
	need := taskRes.Clone()
	var ex *executor
	if err == nil && ti.Executor != nil {
		ex = a.executors[executorKey{fw.id, ti.Executor.ExecutorID.Value}]
		if ex == nil {
			var exRes mesos.Resources
			if exRes, err = normalize(ti.Executor.Resources); err == nil {
				need.Add(exRes...)
			}
		}
	}
	if err == nil && !resources.ContainsAll(*remaining, need) {
		err = fmt.Errorf("Task uses more resources %v than available %v", need, *remaining)
	}
	if err != nil {
		s.sendLocked(fw, updateEvent(statusFor(ti.TaskID, &ti.AgentID, nil, mesos.TASK_ERROR, mesos.REASON_TASK_INVALID, err.Error())))
		return
	}
	remaining.Subtract(need...)
	if ti.Executor != nil && ex == nil {
		ex = s.startExecutorLocked(fw, a, *ti.Executor)
	}
	s.launchLocked(fw, a, *ti, taskRes, ex)
}

// launchGroupLocked launches a task group atomically on one default
// executor: one invalid task fails them all with TASK_ERROR.
func (s *Sim) launchGroupLocked(fw *framework, a *agent, lg *mesos.Offer_Operation_LaunchGroup, remaining *mesos.Resources) {
	tasks := lg.TaskGroup.Tasks
	var (
		errs []error
		need mesos.Resources
		res  = make([]mesos.Resources, len(tasks))
		ids  = map[string]bool{}
	)
	if len(tasks) == 0 {
		errs = append(errs, errors.New("Task group is empty"))
	}
	if lg.Executor.Type != mesos.ExecutorInfo_DEFAULT {
		errs = append(errs, errors.New("'ExecutorInfo.type' must be 'DEFAULT'"))
	}
	for i := range tasks {
		r, err := s.validateTaskLocked(fw, a, &tasks[i])
		if err == nil && tasks[i].Executor != nil {
			err = errors.New("'TaskInfo.executor' must not be set")
		}
		if ids[tasks[i].TaskID.Value] {
			err = errors.New("Task has duplicate ID: " + tasks[i].TaskID.Value)
		}
		ids[tasks[i].TaskID.Value] = true
		if err != nil {
			errs = append(errs, fmt.Errorf("task %s: %w", tasks[i].TaskID.Value, err))
		}
		res[i] = r
		need.Add(r...)
	}
	ex := a.executors[executorKey{fw.id, lg.Executor.ExecutorID.Value}]
	if ex == nil {
		exRes, err := normalize(lg.Executor.Resources)
		if err != nil {
			errs = append(errs, err)
		}
		need.Add(exRes...)
	}
	if len(errs) == 0 && !resources.ContainsAll(*remaining, need) {
		errs = append(errs, fmt.Errorf("Task group uses more resources %v than available %v", need, *remaining))
	}
	if err := errors.Join(errs...); err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		for i := range tasks {
			s.sendLocked(fw, updateEvent(statusFor(tasks[i].TaskID, &tasks[i].AgentID, nil, mesos.TASK_ERROR, mesos.REASON_TASK_GROUP_INVALID, msg)))
		}
		return
	}
	remaining.Subtract(need...)
	if ex == nil {
		ex = s.startExecutorLocked(fw, a, lg.Executor)
	}
	group := make([]*task, 0, len(tasks))
	for i := range tasks {
		group = append(group, s.launchLocked(fw, a, tasks[i], res[i], ex))
	}
	for _, t := range group {
		t.group = group
	}
}

// validateTaskLocked checks what Mesos's task validation checks and returns
// the task's resources in normalized form.
func (s *Sim) validateTaskLocked(fw *framework, a *agent, ti *mesos.TaskInfo) (mesos.Resources, error) {
	id := ti.TaskID.Value
	switch {
	case id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\x00"):
		return nil, fmt.Errorf("Task ID '%s' is invalid", id)
	case fw.tasks[id] != nil || fw.unreach[id] != nil:
		return nil, errors.New("Task has duplicate ID: " + id)
	case ti.AgentID.Value != a.id:
		return nil, fmt.Errorf("Task uses invalid agent: %s", ti.AgentID.Value)
	}
	res, err := normalize(ti.Resources)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, errors.New("Task uses no resources")
	}
	return res, nil
}

// normalize validates resources and returns them merged, with ranges sorted
// and without allocation info, the form the simulator keeps.
func normalize(in []mesos.Resource) (mesos.Resources, error) {
	if err := resources.Validate(in...); err != nil {
		return nil, fmt.Errorf("Invalid resources: %w", err)
	}
	var out mesos.Resources
	for _, r := range in {
		r := r
		r.AllocationInfo = nil
		if r.Ranges != nil {
			r.Ranges = &mesos.Value_Ranges{Range: mesos.Ranges(r.Ranges.Range).Clone().Sort().Squash()}
		}
		out.Add1(r)
	}
	return out, nil
}

func (s *Sim) startExecutorLocked(fw *framework, a *agent, info mesos.ExecutorInfo) *executor {
	res, _ := normalize(info.Resources) // validated by the caller
	info.FrameworkID = &mesos.FrameworkID{Value: fw.id}
	ex := &executor{info: info, agent: a, fw: fw, resources: res, tasks: map[*task]struct{}{}}
	a.executors[executorKey{fw.id, info.ExecutorID.Value}] = ex
	return ex
}
