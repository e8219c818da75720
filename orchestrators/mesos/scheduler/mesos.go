package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// mesosConn is one subscription: its caller carries the Mesos-Stream-Id.
type mesosConn struct {
	caller calls.Caller
	gen    int
	fwID   string
}

// mesosEvent carries an event of subscription gen to the loop; ev is nil
// when the stream has ended.
type mesosEvent struct {
	gen  int
	conn *mesosConn
	ev   *scheduler.Event
	err  error
}

var errNotSubscribed = errors.New("not subscribed to the master")

func (e *Engine) frameworkInfo(id string) mesos.FrameworkInfo {
	f := e.cfg.Framework
	timeout := f.FailoverTimeout.Seconds()
	checkpoint := true
	info := mesos.FrameworkInfo{
		User:            f.User,
		Name:            f.Name,
		FailoverTimeout: &timeout,
		Checkpoint:      &checkpoint,
		Role:            &f.Role,
	}
	if f.Hostname != "" {
		info.Hostname = &f.Hostname
	}
	if f.Principal != "" {
		info.Principal = &f.Principal
	}
	if id != "" {
		info.ID = &mesos.FrameworkID{Value: id}
	}
	return info
}

// subscribeLoop keeps one subscription up, with backoff between attempts,
// for as long as this instance leads.
func (e *Engine) subscribeLoop(ctx context.Context) {
	initial := wait.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Cap: e.cfg.Tuning.SubscribeBackoffMax, Steps: math.MaxInt32}
	backoff := initial
	gen := 0
	for ctx.Err() == nil {
		// Before taking the framework over: are we still the leader?
		if err := e.fence(); err != nil {
			e.post(func() { e.fatal = err })
			return
		}
		url, err := e.masters.next(ctx)
		if err == nil {
			gen++
			var subscribed bool
			subscribed, err = e.subscribeOnce(ctx, url, gen)
			if subscribed {
				backoff = initial
			}
		}
		if ctx.Err() != nil {
			return
		}
		d := backoff.Step()
		e.log.Warn("mesos subscription ended; subscribing again", "master", url, "err", err, "in", d)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return
		}
	}
}

func (e *Engine) newCaller(url string) calls.Caller {
	workers := e.cfg.Tuning.Workers
	cli := httpcli.New(
		httpcli.Endpoint(strings.TrimRight(url, "/")+"/api/v1/scheduler"),
		httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]),
		httpcli.Do(httpcli.With(
			httpcli.Timeout(e.cfg.Tuning.CallTimeout),
			httpcli.Transport(func(t *http.Transport) {
				t.MaxIdleConnsPerHost = workers + 2
				e.cfg.ConfineTransport(t)
			}),
		)),
	)
	return httpsched.NewCaller(cli)
}

// subscribeOnce subscribes and pumps events to the loop until the stream
// ends; it reports whether SUBSCRIBED arrived.
func (e *Engine) subscribeOnce(ctx context.Context, url string, gen int) (bool, error) {
	caller := e.newCaller(url)
	info := e.frameworkInfo(*e.sharedFwID())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := caller.Call(ctx, calls.Subscribe(&info))
	if err != nil {
		return false, fmt.Errorf("subscribe to %s: %w", url, err)
	}
	defer resp.Close()

	// A stream that stays silent for several heartbeat intervals is
	// broken even if the connection looks open (a partition).
	var last, interval atomic.Int64
	last.Store(time.Now().UnixNano())
	interval.Store(int64(15 * time.Second))
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				limit := time.Duration(interval.Load()) * time.Duration(e.cfg.Tuning.MissedHeartbeats)
				if now.Sub(time.Unix(0, last.Load())) > limit {
					e.log.Warn("no heartbeat from the master; dropping the subscription", "after", limit)
					cancel()
					return
				}
			}
		}
	}()

	conn := &mesosConn{caller: caller, gen: gen}
	subscribed := false
	for {
		ev := new(scheduler.Event)
		if err := resp.Decode(ev); err != nil {
			e.toLoop(ctx, mesosEvent{gen: gen, err: err})
			return subscribed, fmt.Errorf("event stream: %w", err)
		}
		last.Store(time.Now().UnixNano())
		me := mesosEvent{gen: gen, ev: ev}
		switch ev.Type {
		case scheduler.Event_SUBSCRIBED:
			subscribed = true
			if hb := ev.Subscribed.GetHeartbeatIntervalSeconds(); hb > 0 {
				interval.Store(int64(hb * float64(time.Second)))
			}
			conn.fwID = ev.Subscribed.FrameworkID.Value
			me.conn = conn
		case scheduler.Event_ERROR:
			e.toLoop(ctx, me)
			e.toLoop(ctx, mesosEvent{gen: gen, err: errors.New(ev.Error.Message)})
			return subscribed, fmt.Errorf("master sent ERROR: %s", ev.Error.Message)
		}
		e.toLoop(ctx, me)
	}
}

func (e *Engine) toLoop(ctx context.Context, me mesosEvent) {
	select {
	case e.mesosCh <- me:
	case <-ctx.Done():
	}
}

// sharedFwID is the framework id as the subscription goroutine reads it.
func (e *Engine) sharedFwID() *string {
	if p := e.fwIDShared.Load(); p != nil {
		return p
	}
	empty := ""
	return &empty
}

func (e *Engine) setFrameworkID(id string) {
	e.fwID = id
	e.fwIDShared.Store(&id)
}

// onMesos handles one event on the loop.
func (e *Engine) onMesos(me mesosEvent) {
	if me.ev == nil {
		if me.gen == e.gen {
			e.subscribed = false
			e.conn.Store(nil)
			e.log.Info("disconnected from the master", "err", me.err)
		}
		return
	}
	ev := me.ev
	if ev.Type == scheduler.Event_SUBSCRIBED {
		e.onSubscribed(me)
		return
	}
	if me.gen < e.gen {
		return // from a subscription that has been replaced
	}
	// A newer subscription's events before its SUBSCRIBED can only be an
	// ERROR refusing it (e.g. "Framework has been removed").
	switch ev.Type {
	case scheduler.Event_OFFERS:
		e.handleOffers(ev.Offers.Offers)
	case scheduler.Event_UPDATE:
		e.handleUpdate(ev.Update.Status)
	case scheduler.Event_FAILURE:
		if f := ev.Failure; f.AgentID != nil && f.ExecutorID == nil {
			// The agent is gone; its tasks arrive as TASK_LOST updates.
			delete(e.agents, f.AgentID.Value)
		}
	case scheduler.Event_ERROR:
		e.onError(ev.Error.Message)
	}
}

func (e *Engine) onSubscribed(me mesosEvent) {
	id := me.ev.Subscribed.FrameworkID.Value
	if id != e.fwID {
		// Nothing may launch under a framework id the next leader would
		// not know.
		if err := e.persist(zkstate.Create(e.store.FrameworkID(), id)); err != nil {
			e.fatal = fmt.Errorf("store the framework id: %w", err)
			return
		}
		e.log.Info("registered with Mesos", "framework", id)
	}
	e.setFrameworkID(id)
	e.gen = me.gen
	e.conn.Store(me.conn)
	e.subscribed = true
	e.suppressed = false
	e.lastRevive = time.Time{}
	e.log.Info("subscribed", "framework", id, "tasks", len(e.tasks))
	now := time.Now()
	e.reconcileAll(now)
	for _, a := range e.apps {
		a.dirty = true
	}
}

// onError: the master refused us. "Framework has been removed" means the
// failover timeout passed: Mesos killed every task, and the next
// subscription must register a new framework.
func (e *Engine) onError(msg string) {
	e.log.Error("master sent ERROR", "message", msg)
	e.subscribed = false
	e.conn.Store(nil)
	if !strings.Contains(msg, "removed") {
		return
	}
	if err := e.persist(zkstate.Delete(e.store.FrameworkID())); err != nil {
		e.fatal = err
		return
	}
	e.setFrameworkID("")
	for _, t := range e.allTasks() {
		st := mesos.TASK_LOST
		e.taskEnded(t, st, "framework removed by the master")
	}
}

func (e *Engine) allTasks() []*task {
	out := make([]*task, 0, len(e.tasks))
	for _, t := range e.tasks {
		out = append(out, t)
	}
	return out
}

// send queues a call; onErr (optional) runs on the loop if it fails. gen
// ties the call to one subscription (offers are only valid there); 0 means
// any.
func (e *Engine) send(q *callQueue, c *scheduler.Call, gen int, onErr func(error)) {
	q.push(callItem{call: c, gen: gen, onErr: onErr})
}
