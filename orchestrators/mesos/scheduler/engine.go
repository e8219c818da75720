package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// ErrNotLeader is returned by a Service that does not lead (or not yet).
var ErrNotLeader = errors.New("mesos scheduler: this instance is not the leader")

// tickInterval paces housekeeping: kill and reconcile retries, backoff
// expiry, revive pacing.
const tickInterval = 100 * time.Millisecond

// Engine is the leader's scheduler: one goroutine owns all state below and
// handles Mesos events, API operations and timers in turn.
type Engine struct {
	cfg   Config
	log   *slog.Logger
	store *zkstate.Store
	fence func() error
	emit  func(Event)

	inbox      chan func()
	mesosCh    chan mesosEvent
	calls      *callQueue // acknowledgements, launches, kills: in parallel
	ctrl       *callQueue // revive, suppress, decline, reconcile: in order
	conn       atomic.Pointer[mesosConn]
	gen        int // subscription the loop listens to
	fwIDShared atomic.Pointer[string]
	masters    *masterSource
	ctx        context.Context // the term's context, for writes and calls
	stopped    chan struct{}   // closed when the loop has ended

	// Owned by the loop.
	fwID         string
	apps         map[string]*app
	tasks        map[string]*task
	agents       map[string]*agentInfo
	subscribed   bool
	suppressed   bool
	lastRevive   time.Time
	lastOffers   time.Time
	demand       []launchReq
	offerCursor  int
	demandKeys   map[launchReq]bool
	newDemand    bool
	reconciling  map[string]time.Time // task id → last explicit reconcile sent
	lastImplicit time.Time
	fatal        error
}

func newEngine(cfg Config, store *zkstate.Store, fence func() error, emit func(Event), masters *masterSource) *Engine {
	return &Engine{
		cfg: cfg, log: cfg.Logger.With("component", "mesos-scheduler", "cluster", cfg.Cluster),
		store: store, fence: fence, emit: emit, masters: masters,
		inbox:       make(chan func(), 64),
		mesosCh:     make(chan mesosEvent, 256),
		stopped:     make(chan struct{}),
		apps:        map[string]*app{},
		tasks:       map[string]*task{},
		agents:      map[string]*agentInfo{},
		demandKeys:  map[launchReq]bool{},
		reconciling: map[string]time.Time{},
	}
}

// run loads the state and schedules until ctx ends or the store is fenced
// off. It returns why it stopped.
func (e *Engine) run(ctx context.Context) error {
	defer close(e.stopped)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.ctx = ctx
	go func() {
		select {
		case <-e.store.Failed():
			cancel()
		case <-ctx.Done():
		}
	}()

	snap, err := e.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("mesos scheduler: load state: %w", err)
	}
	e.restore(snap)
	e.log.Info("leading: state loaded", "framework", e.fwID, "apps", len(e.apps), "tasks", len(e.tasks))
	e.emit(Event{Type: EventResync, Time: time.Now()})

	e.calls = newCallQueue(e, e.cfg.Tuning.Workers)
	e.ctrl = newCallQueue(e, 1)
	defer e.calls.close()
	defer e.ctrl.close()
	subDone := make(chan struct{})
	go func() {
		defer close(subDone)
		e.subscribeLoop(ctx)
	}()
	e.loop(ctx)
	cancel()
	<-subDone
	if e.fatal != nil {
		return e.fatal
	}
	if err := e.store.Err(); err != nil {
		return err
	}
	return ctx.Err()
}

func (e *Engine) restore(snap *zkstate.Snapshot) {
	e.setFrameworkID(snap.FrameworkID)
	for _, as := range snap.Apps {
		if as.Target == nil {
			continue // logged by the store; nothing to run it from
		}
		a := &app{rec: as.App, target: as.Target, versions: as.Versions, tasks: map[string]*task{}, dirty: true}
		a.resetPlacement(nil)
		e.apps[a.key()] = a
		for _, tr := range as.Tasks {
			// A task the old leader was killing has killSent zero: the
			// kill goes out again as soon as this leader subscribes.
			t := &task{rec: tr, app: a}
			a.addTask(t)
			e.tasks[tr.ID] = t
		}
	}
	for i := range snap.Deployments {
		d := snap.Deployments[i]
		if a := e.apps[d.App]; a != nil && d.To == a.rec.Version {
			a.deploy = &d
		} else {
			e.store.Enqueue(zkstate.Delete(e.store.Deployment(d.ID))) // stale
		}
	}
}

func (e *Engine) loop(ctx context.Context) {
	tick := time.NewTicker(tickInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case me := <-e.mesosCh:
			e.onMesos(me)
		case f := <-e.inbox:
			f()
		case <-tick.C:
			e.onTick(time.Now())
		}
		// Take what else is waiting before planning, so a burst of status
		// updates costs one plan rather than one each.
	drain:
		for n := 0; n < 512; n++ {
			select {
			case me := <-e.mesosCh:
				e.onMesos(me)
			case f := <-e.inbox:
				f()
			default:
				break drain
			}
		}
		if e.fatal != nil {
			return
		}
		e.plan(time.Now())
		e.syncOfferInterest(time.Now())
	}
}

// do runs f on the loop and waits for it.
func (e *Engine) do(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	select {
	case e.inbox <- func() { done <- f() }:
	case <-e.stopped:
		return ErrNotLeader
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-e.stopped:
		return ErrNotLeader
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post runs f on the loop without waiting (from other goroutines).
func (e *Engine) post(f func()) {
	select {
	case e.inbox <- f:
	case <-e.stopped:
	case <-e.ctx.Done():
	}
}

// persist writes ops and waits; a fenced store stops the engine.
func (e *Engine) persist(ops ...zkstate.Op) error {
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	err := e.store.Apply(ctx, ops...)
	if errors.Is(err, zkstate.ErrFenced) {
		e.fatal = err
	}
	if err != nil {
		return fmt.Errorf("persist: %w", err)
	}
	return nil
}

func (e *Engine) sortedApps() []*app {
	out := make([]*app, 0, len(e.apps))
	for _, a := range e.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func (e *Engine) onTick(now time.Time) {
	e.retryKills(now)
	e.retryReconcile(now)
	for _, a := range e.apps {
		if !a.wake.IsZero() && !now.Before(a.wake) {
			a.dirty = true
		}
	}
}

func (e *Engine) emitTask(t *task, removed bool) {
	st := t.status()
	st.Removed = removed
	e.emit(Event{Type: EventTaskChanged, Time: time.Now(), App: t.app.ref(), Task: st})
}

func (e *Engine) emitApp(a *app) {
	st := e.appStatus(a)
	a.status = st.Status
	e.emit(Event{Type: EventAppChanged, Time: time.Now(), App: a.ref(), AppStatus: st})
}

func (e *Engine) emitDeployment(a *app, d *zkstate.DeploymentRecord, result string) {
	ds := e.deploymentStatus(a, d)
	ds.Result = result
	e.emit(Event{Type: EventDeploymentChanged, Time: time.Now(), App: a.ref(), Deployment: ds})
}
