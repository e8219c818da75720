package sim

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpmaster"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/master"
	mastercalls "github.com/mesos/mesos-go/api/v1/lib/master/calls"
	"github.com/mesos/mesos-go/api/v1/lib/resources"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// waitFor bounds every wait in these tests; nothing sleeps.
const waitFor = 15 * time.Second

func testLogger() *slog.Logger {
	if os.Getenv("MESOS_SIM_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// quickConfig is a simulator with short timers for tests.
func quickConfig(agents int) Config {
	ports, _ := ParsePorts("31000-31099")
	return Config{
		Listen:             "127.0.0.1:0",
		Agents:             agents,
		Agent:              AgentSpec{CPUs: 4, MemMB: 8192, DiskMB: 10000, Ports: ports, Attributes: map[string][]string{"rack": {"r1", "r2"}}},
		AllocationInterval: 50 * time.Millisecond,
		TaskStartDelay:     5 * time.Millisecond,
		TaskRunDelay:       5 * time.Millisecond,
		TaskKillDelay:      5 * time.Millisecond,
		Seed:               1,
		Logger:             testLogger(),
	}
}

func startSim(t testing.TB, cfg Config) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	srv, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func frameworkInfo(name string, caps ...mesos.FrameworkInfo_Capability_Type) mesos.FrameworkInfo {
	info := mesos.FrameworkInfo{User: "bcs", Name: name}
	for _, c := range caps {
		info.Capabilities = append(info.Capabilities, mesos.FrameworkInfo_Capability{Type: c})
	}
	return info
}

// fwClient is a framework driven through mesos-go's own HTTP scheduler
// client (httpsched), which captures and resends Mesos-Stream-Id.
type fwClient struct {
	t      testing.TB
	caller calls.Caller
	resp   mesos.Response
	id     string
	info   mesos.FrameworkInfo

	events  chan *scheduler.Event
	backlog []*scheduler.Event

	mu        sync.Mutex
	streamErr error
}

func newCaller(url string, codec encoding.Codec) calls.Caller {
	cli := httpcli.New(
		httpcli.Endpoint(url+"/api/v1/scheduler"),
		httpcli.Codec(codec),
		httpcli.Do(httpcli.With(httpcli.Timeout(10*time.Second))),
	)
	return httpsched.NewCaller(cli, httpsched.AllowReconnection(true))
}

var jsonCodec = codecs.ByMediaType[codecs.MediaTypeJSON]
var protoCodec = codecs.ByMediaType[codecs.MediaTypeProtobuf]

// subscribe subscribes (or resubscribes, if info.ID is set) and waits for
// SUBSCRIBED.
func subscribe(t testing.TB, srv *Server, info mesos.FrameworkInfo, codec encoding.Codec) *fwClient {
	t.Helper()
	return subscribeAt(t, srv.URL(), info, codec)
}

// subscribeAt is subscribe for a master at a base URL.
func subscribeAt(t testing.TB, url string, info mesos.FrameworkInfo, codec encoding.Codec) *fwClient {
	t.Helper()
	c := &fwClient{t: t, caller: newCaller(url, codec), info: info, events: make(chan *scheduler.Event, 1<<16)}
	resp, err := c.caller.Call(context.Background(), calls.Subscribe(&c.info))
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	c.resp = resp
	t.Cleanup(c.close)
	go c.read()
	ev := c.next(func(e *scheduler.Event) bool {
		return e.Type == scheduler.Event_SUBSCRIBED || e.Type == scheduler.Event_ERROR
	})
	if ev.Type == scheduler.Event_ERROR {
		t.Fatalf("subscribe: ERROR %s", ev.Error.Message)
	}
	c.id = ev.Subscribed.FrameworkID.Value
	c.info.ID = &mesos.FrameworkID{Value: c.id}
	return c
}

func (c *fwClient) read() {
	defer close(c.events)
	for {
		ev := &scheduler.Event{}
		if err := c.resp.Decode(ev); err != nil {
			c.mu.Lock()
			c.streamErr = err
			c.mu.Unlock()
			return
		}
		c.events <- ev
	}
}

func (c *fwClient) close() {
	if c.resp != nil {
		c.resp.Close()
	}
}

// call sends a non-SUBSCRIBE call for this framework.
func (c *fwClient) call(call *scheduler.Call) error {
	call = call.With(calls.Framework(c.id))
	resp, err := c.caller.Call(context.Background(), call)
	if resp != nil {
		resp.Close()
	}
	return err
}

func (c *fwClient) mustCall(call *scheduler.Call) {
	c.t.Helper()
	if err := c.call(call); err != nil {
		c.t.Fatalf("%v: %v", call.Type, err)
	}
}

// next returns the first event matching pred, from the backlog of events
// skipped by earlier waits or from the stream. Heartbeats are dropped.
func (c *fwClient) next(pred func(*scheduler.Event) bool) *scheduler.Event {
	c.t.Helper()
	if ev := c.poll(pred); ev != nil {
		return ev
	}
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c.t.Fatalf("event stream ended: %v", c.err())
			}
			if pred(ev) {
				return ev
			}
			if ev.Type != scheduler.Event_HEARTBEAT {
				c.backlog = append(c.backlog, ev)
			}
		case <-deadline.C:
			c.t.Fatalf("no matching event within %v", waitFor)
		}
	}
}

// poll returns a matching event already received, without waiting.
func (c *fwClient) poll(pred func(*scheduler.Event) bool) *scheduler.Event {
	c.drain()
	for i, ev := range c.backlog {
		if pred(ev) {
			c.backlog = append(c.backlog[:i:i], c.backlog[i+1:]...)
			return ev
		}
	}
	return nil
}

// drain moves events already received into the backlog.
func (c *fwClient) drain() {
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return
			}
			if ev.Type != scheduler.Event_HEARTBEAT {
				c.backlog = append(c.backlog, ev)
			}
		default:
			return
		}
	}
}

func (c *fwClient) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streamErr
}

// streamEnded waits for the subscription stream to end.
func (c *fwClient) streamEnded() {
	c.t.Helper()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return
			}
			c.backlog = append(c.backlog, ev)
		case <-deadline.C:
			c.t.Fatal("stream still open")
		}
	}
}

func isType(t scheduler.Event_Type) func(*scheduler.Event) bool {
	return func(e *scheduler.Event) bool { return e.Type == t }
}

func isUpdate(taskID string, state mesos.TaskState) func(*scheduler.Event) bool {
	return func(e *scheduler.Event) bool {
		return e.Type == scheduler.Event_UPDATE && e.Update.Status.TaskID.Value == taskID && e.Update.Status.GetState() == state
	}
}

// offers collects offers until there are at least n.
func (c *fwClient) offers(n int) []mesos.Offer {
	c.t.Helper()
	var out []mesos.Offer
	for len(out) < n {
		out = append(out, c.next(isType(scheduler.Event_OFFERS)).Offers.Offers...)
	}
	return out
}

// offerFor waits for an offer of the given agent.
func (c *fwClient) offerFor(agent mesos.AgentID) mesos.Offer {
	c.t.Helper()
	var found mesos.Offer
	c.next(func(e *scheduler.Event) bool {
		if e.Type != scheduler.Event_OFFERS {
			return false
		}
		for _, o := range e.Offers.Offers {
			if o.AgentID == agent {
				found = o
				return true
			}
		}
		return false
	})
	return found
}

// update waits for the task's update in the given state.
func (c *fwClient) update(taskID string, state mesos.TaskState) mesos.TaskStatus {
	c.t.Helper()
	return c.next(isUpdate(taskID, state)).Update.Status
}

func (c *fwClient) ack(st mesos.TaskStatus) {
	c.t.Helper()
	if len(st.UUID) == 0 {
		c.t.Fatalf("ack of an update without uuid: %v", st)
	}
	c.mustCall(calls.Acknowledge(st.AgentID.Value, st.TaskID.Value, st.UUID))
}

// runTask launches one task on the offer and drives it to RUNNING with acks.
func (c *fwClient) runTask(o mesos.Offer, id string, cpus, mem float64) {
	c.t.Helper()
	// refuse_seconds 0: the rest of the agent is offered again next round.
	c.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask(id, o.AgentID, cpus, mem))}.WithOffers(o.ID)).
		With(calls.RefuseSeconds(0)))
	c.ack(c.update(id, mesos.TASK_STARTING))
	c.ack(c.update(id, mesos.TASK_RUNNING))
}

func commandTask(id string, agent mesos.AgentID, cpus, mem float64) mesos.TaskInfo {
	shell := "sleep 3600"
	return mesos.TaskInfo{
		Name:    id,
		TaskID:  mesos.TaskID{Value: id},
		AgentID: agent,
		Command: &mesos.CommandInfo{Value: &shell},
		Resources: mesos.Resources{
			resources.NewCPUs(cpus).Resource,
			resources.NewMemory(mem).Resource,
		},
	}
}

// operator returns a mesos-go operator API sender for the simulator.
func operator(srv *Server, codec encoding.Codec) mastercalls.Sender {
	return httpmaster.NewSender(httpcli.New(httpcli.Endpoint(srv.URL()+"/api/v1"), httpcli.Codec(codec)).Send)
}

func operatorCall(t testing.TB, srv *Server, call *master.Call) *master.Response {
	t.Helper()
	resp, err := operator(srv, jsonCodec).Send(context.Background(), mastercalls.NonStreaming(call))
	if err != nil {
		t.Fatalf("%v: %v", call.Type, err)
	}
	defer resp.Close()
	var out master.Response
	if err := resp.Decode(&out); err != nil {
		t.Fatalf("%v: decode: %v", call.Type, err)
	}
	return &out
}

// eventually polls cond every 10 ms until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// noUpdate is what taskState reports as status_update_state when no update
// is in flight.
const noUpdate = mesos.TaskState(-1)

// taskState reads a live task's latest state and the state of its update in
// flight (noUpdate if none) through GET_TASKS.
func taskState(t testing.TB, srv *Server, id string) (state, inFlight mesos.TaskState, found bool) {
	resp := operatorCall(t, srv, mastercalls.GetTasks())
	for _, tk := range resp.GetTasks.Tasks {
		if tk.TaskID.Value == id {
			inFlight = noUpdate
			if tk.StatusUpdateState != nil {
				inFlight = *tk.StatusUpdateState
			}
			return tk.GetState(), inFlight, true
		}
	}
	return 0, noUpdate, false
}
