package scheduler

import (
	"strings"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// epsilon absorbs float rounding when resources are subtracted repeatedly
// (Mesos itself keeps scalars to three decimals).
const epsilon = 1e-6

// offerPool is what is left of one offer while tasks are matched to it.
type offerPool struct {
	offer           *mesos.Offer
	host            spec.Host
	cpus, mem, disk float64
	ports           mesos.Ranges
	alloc           *mesos.Resource_AllocationInfo
	tasks           []*task
	infos           []mesos.TaskInfo
}

func newOfferPool(o *mesos.Offer) *offerPool {
	p := &offerPool{offer: o, host: hostOf(o)}
	for _, r := range o.Resources {
		if r.AllocationInfo != nil {
			p.alloc = r.AllocationInfo
		}
		switch r.Name {
		case "cpus":
			p.cpus += r.GetScalar().GetValue()
		case "mem":
			p.mem += r.GetScalar().GetValue()
		case "disk":
			p.disk += r.GetScalar().GetValue()
		case "ports":
			p.ports = append(p.ports, r.GetRanges().GetRange()...)
		}
	}
	p.ports = p.ports.Sort().Squash()
	return p
}

func (p *offerPool) fits(s *spec.App) bool {
	if p.cpus+epsilon < s.CPUs || p.mem+epsilon < s.Mem || p.disk+epsilon < s.Disk {
		return false
	}
	if len(s.Ports) == 0 {
		return true
	}
	dynamic := uint64(0)
	for _, port := range s.Ports {
		if port.HostPort == 0 {
			dynamic++
		} else if !p.hasPort(uint64(port.HostPort)) {
			return false
		}
	}
	return p.ports.Size() >= uint64(len(s.Ports)) && p.ports.Size()-(uint64(len(s.Ports))-dynamic) >= dynamic
}

func (p *offerPool) hasPort(n uint64) bool {
	for _, r := range p.ports {
		if r.Begin <= n && n <= r.End {
			return true
		}
	}
	return false
}

// take subtracts an instance of s and returns the host ports it gets:
// fixed ones as asked, the others from the lowest free.
func (p *offerPool) take(s *spec.App) []uint32 {
	p.cpus -= s.CPUs
	p.mem -= s.Mem
	p.disk -= s.Disk
	ports := make([]uint32, len(s.Ports))
	for i, port := range s.Ports {
		if port.HostPort != 0 {
			ports[i] = port.HostPort
			p.ports = p.ports.Remove(mesos.Value_Range{Begin: uint64(port.HostPort), End: uint64(port.HostPort)})
		}
	}
	for i, port := range s.Ports {
		if port.HostPort == 0 {
			n := p.ports.Min()
			ports[i] = uint32(n)
			p.ports = p.ports.Remove(mesos.Value_Range{Begin: n, End: n})
		}
	}
	return ports
}

// handleOffers matches offers to the demand at once: tasks that fit are
// persisted, then launched with one ACCEPT per offer; the rest of the
// offers is declined. No offer is kept past this call.
func (e *Engine) handleOffers(offers []mesos.Offer) {
	now := time.Now()
	e.lastOffers = now
	for i := range offers {
		o := &offers[i]
		ag := &agentInfo{id: o.AgentID.Value, host: hostOf(o)}
		e.agents[ag.id] = ag
		for _, a := range e.apps {
			if a.hasGroupBy() {
				a.place.See(ag.host)
			}
		}
	}
	e.plan(now)
	if len(e.demand) == 0 {
		e.log.Debug("offers declined: nothing wanted", "offers", len(offers))
		e.decline(offers, e.cfg.Tuning.IdleRefuse)
		return
	}

	pools := make([]*offerPool, len(offers))
	for i := range offers {
		pools[i] = newOfferPool(&offers[i])
	}
	var created []*task
	blocked := map[string]bool{}
	unplaced := 0
	for _, req := range e.demand {
		a := e.apps[req.app]
		if a == nil || blocked[req.app] {
			unplaced++
			continue
		}
		s := a.spec()
		placed := false
		// Start where the last task went, so instances spread across
		// agents instead of filling the first offer.
		for k := 0; k < len(pools); k++ {
			p := pools[(e.offerCursor+k)%len(pools)]
			if !p.fits(s) {
				continue
			}
			if ok, _ := a.place.Allows(p.host); !ok {
				continue
			}
			created = append(created, e.newTask(a, req.index, p, now))
			e.offerCursor = (e.offerCursor + k + 1) % len(pools)
			placed = true
			break
		}
		if !placed {
			// Every instance of an application asks for the same, so if
			// one does not fit, the next will not either.
			blocked[req.app] = true
			unplaced++
		}
	}

	if len(created) > 0 {
		ops := make([]zkstate.Op, 0, len(created))
		for _, t := range created {
			ops = append(ops, zkstate.Create(e.store.Task(t.app.key(), t.rec.ID), t.rec))
		}
		if err := e.persist(ops...); err != nil {
			e.log.Error("cannot persist tasks; not launching them", "tasks", len(created), "err", err)
			for _, t := range created {
				t.app.removeTask(t)
				delete(e.tasks, t.rec.ID)
			}
			e.decline(offers, e.cfg.Tuning.DeclineRefuse)
			return
		}
	}

	refuse := e.cfg.Tuning.IdleRefuse
	if unplaced > 0 {
		refuse = e.cfg.Tuning.DeclineRefuse
	}
	e.log.Debug("offers matched", "offers", len(offers), "demand", len(e.demand), "launched", len(created), "unplaced", unplaced)
	var declined []mesos.Offer
	for _, p := range pools {
		if len(p.tasks) == 0 {
			declined = append(declined, *p.offer)
			continue
		}
		ids := make([]string, len(p.tasks))
		for i, t := range p.tasks {
			ids[i] = t.rec.ID
			t.app.dirty = true
			e.emitTask(t, false)
		}
		accept := calls.Accept(calls.OfferOperations{calls.OpLaunch(p.infos...)}.WithOffers(p.offer.ID)).
			With(calls.RefuseSeconds(e.cfg.Tuning.AcceptRefuse))
		e.send(e.calls, accept, e.gen, func(err error) { e.acceptFailed(ids, err) })
	}
	e.decline(declined, refuse)
}

func (e *Engine) decline(offers []mesos.Offer, refuse time.Duration) {
	if len(offers) == 0 {
		return
	}
	ids := make([]mesos.OfferID, len(offers))
	for i := range offers {
		ids[i] = offers[i].ID
	}
	// In order with REVIVE: a decline that reached the master after a
	// later revive would keep its filter and hide the agents.
	e.send(e.ctrl, calls.Decline(ids...).With(calls.RefuseSeconds(refuse)), e.gen, nil)
}

// acceptFailed: the launch may or may not have reached the master; ask
// rather than guess (an unknown task comes back TASK_LOST and is replaced).
func (e *Engine) acceptFailed(ids []string, err error) {
	e.log.Warn("ACCEPT failed; reconciling its tasks", "tasks", len(ids), "err", err)
	for _, id := range ids {
		if _, ok := e.tasks[id]; ok {
			e.reconciling[id] = time.Time{} // due now
		}
	}
}

func newSuffix() string {
	return strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
}

// newTask places an instance on an offer: a new task record in memory
// (persisted by the caller before launch) and its TaskInfo.
func (e *Engine) newTask(a *app, index int, p *offerPool, now time.Time) *task {
	s := a.spec()
	id := spec.TaskID(a.ref(), index, newSuffix())
	t := &task{app: a, rec: zkstate.TaskRecord{
		ID: id, Index: index, Version: a.rec.Version,
		AgentID: p.offer.AgentID.Value, Hostname: p.offer.Hostname, Attributes: p.host.Attributes,
		Ports: p.take(s), State: mesos.TASK_STAGING.String(), Created: now, Updated: now,
	}}
	a.addTask(t)
	e.tasks[id] = t
	p.tasks = append(p.tasks, t)
	p.infos = append(p.infos, taskInfo(a, t, p.alloc))
	return t
}
