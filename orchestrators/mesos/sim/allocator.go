package sim

import (
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/resources"
)

// The allocator: like Mesos's hierarchical allocator it offers each agent's
// whole unused resources to one framework at a time, in batches every
// AllocationInterval and at once when a framework subscribes or revives or
// an agent is added. Frameworks take turns agent by agent, which shares a
// cluster fairly enough among a handful of frameworks.

// Mesos's default --min_allocatable_resources: an agent is offered only if
// it has this much CPU or memory left.
const (
	minAllocatableCPUs  = 0.01
	minAllocatableMemMB = 32
)

// maxRefuseSeconds caps Filters.refuse_seconds (one year, as Mesos does).
const maxRefuseSeconds = 31536000

func (s *Sim) kickLocked() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Sim) allocationLoop() {
	defer close(s.loopDone)
	tick := time.NewTicker(s.cfg.AllocationInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		case <-s.kick:
		}
		s.mu.Lock()
		if !s.closed && s.mode == ModeLeader {
			s.allocateLocked(time.Now())
		}
		s.mu.Unlock()
	}
}

func allocatable(r mesos.Resources) bool {
	cpus, _ := resources.CPUs(r...)
	mem, _ := resources.Memory(r...)
	return cpus >= minAllocatableCPUs || mem >= minAllocatableMemMB
}

func (s *Sim) allocateLocked(now time.Time) {
	if s.cfg.OfferTimeout > 0 {
		for _, o := range s.offers {
			if now.Sub(o.created) >= s.cfg.OfferTimeout {
				s.rescindLocked(o)
			}
		}
	}
	var eligible []*framework
	for _, fw := range s.fwOrder {
		if fw.connected && fw.offerRole() != "" {
			eligible = append(eligible, fw)
		}
	}
	if len(eligible) == 0 {
		return
	}
	batches := make(map[*framework][]mesos.Offer, len(eligible))
	for _, a := range s.agentOrder {
		if !allocatable(a.available) {
			continue
		}
		for i := range eligible {
			fw := eligible[(s.allocRR+i)%len(eligible)]
			if s.filteredLocked(fw, a, now) {
				continue
			}
			if limit := s.cfg.MaxOffersPerFramework; limit > 0 && len(fw.offers) >= limit {
				continue
			}
			o := s.makeOfferLocked(fw, a, now)
			batches[fw] = append(batches[fw], s.offerProto(o))
			s.allocRR = (s.allocRR + i + 1) % len(eligible)
			break
		}
	}
	// One OFFERS event per framework per allocation, as the master sends.
	for _, fw := range eligible {
		if offers := batches[fw]; len(offers) > 0 {
			s.sendLocked(fw, offersEvent(offers))
		}
	}
}

func (s *Sim) filteredLocked(fw *framework, a *agent, now time.Time) bool {
	f := fw.filters[a.id]
	if f == nil {
		return false
	}
	if !now.Before(f.expires) {
		delete(fw.filters, a.id)
		return false
	}
	return resources.ContainsAll(f.resources, a.available)
}

func (s *Sim) makeOfferLocked(fw *framework, a *agent, now time.Time) *offer {
	o := &offer{
		id:        s.newOfferID(),
		fw:        fw,
		agent:     a,
		role:      fw.offerRole(),
		resources: a.available,
		created:   now,
	}
	a.available = nil
	s.offers[o.id] = o
	a.offers[o.id] = o
	fw.offers[o.id] = o
	return o
}

func (s *Sim) offerProto(o *offer) mesos.Offer {
	a := o.agent
	var execs []mesos.ExecutorID
	for k, e := range a.executors {
		if k.fw == o.fw.id {
			execs = append(execs, e.info.ExecutorID)
		}
	}
	port := a.info.GetPort()
	return mesos.Offer{
		ID:          mesos.OfferID{Value: o.id},
		FrameworkID: mesos.FrameworkID{Value: o.fw.id},
		AgentID:     mesos.AgentID{Value: a.id},
		Hostname:    a.info.Hostname,
		URL: &mesos.URL{
			Scheme:  "http",
			Address: mesos.Address{Hostname: &a.info.Hostname, Port: port},
			Path:    strPtr("/slave(1)"),
		},
		Resources:      o.resources.Clone().Allocate(o.role),
		Attributes:     a.info.Attributes,
		ExecutorIDs:    execs,
		AllocationInfo: &mesos.Resource_AllocationInfo{Role: strPtr(o.role)},
	}
}

func strPtr(s string) *string { return &s }

// removeOfferLocked forgets an offer and gives its resources back to the
// agent, without telling the framework.
func (s *Sim) removeOfferLocked(o *offer) mesos.Resources {
	delete(s.offers, o.id)
	delete(o.agent.offers, o.id)
	delete(o.fw.offers, o.id)
	if _, live := s.agents[o.agent.id]; live {
		o.agent.available.Add(o.resources...)
	}
	return o.resources
}

// rescindLocked withdraws an offer and tells its framework.
func (s *Sim) rescindLocked(o *offer) {
	s.removeOfferLocked(o)
	s.sendLocked(o.fw, rescindEvent(o.id))
}

// recoverLocked gives unused offered resources back to an agent and, when
// refuseSeconds > 0, keeps them from this framework for that long.
func (s *Sim) recoverLocked(fw *framework, a *agent, unused mesos.Resources, refuseSeconds float64) {
	if _, live := s.agents[a.id]; !live {
		return
	}
	a.available.Add(unused...)
	s.refuseLocked(fw, a, unused, refuseSeconds)
}

// refuseLocked records a refusal of an agent's resources (see offerFilter).
func (s *Sim) refuseLocked(fw *framework, a *agent, refused mesos.Resources, refuseSeconds float64) {
	if refuseSeconds <= 0 || len(refused) == 0 {
		return
	}
	refuseSeconds = min(refuseSeconds, maxRefuseSeconds)
	fw.filters[a.id] = &offerFilter{
		expires:   time.Now().Add(time.Duration(refuseSeconds * float64(time.Second))),
		resources: refused.Clone(),
	}
}

// reviveLocked clears a framework's filters and unsuppresses the roles (all
// of them if roles is empty).
func (s *Sim) reviveLocked(fw *framework, roles []string) {
	fw.filters = map[string]*offerFilter{}
	if len(roles) == 0 {
		fw.suppressed = map[string]bool{}
	}
	for _, r := range roles {
		delete(fw.suppressed, r)
	}
	s.kickLocked()
}

// suppressLocked stops offers for the roles (all if empty). Outstanding
// offers stay valid, as in Mesos.
func (s *Sim) suppressLocked(fw *framework, roles []string) {
	if len(roles) == 0 {
		roles = fw.roles()
	}
	for _, r := range roles {
		fw.suppressed[r] = true
	}
}
