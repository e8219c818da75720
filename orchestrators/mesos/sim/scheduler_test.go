package sim

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	mastercalls "github.com/mesos/mesos-go/api/v1/lib/master/calls"
	"github.com/mesos/mesos-go/api/v1/lib/resources"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

func TestSubscribeOffersLaunch(t *testing.T) {
	for name, codec := range map[string]encoding.Codec{"json": jsonCodec, "protobuf": protoCodec} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := quickConfig(3)
			cfg.StatusUpdateRetry = time.Hour // no resend interferes with the ordering checks
			srv := startSim(t, cfg)
			fw := subscribe(t, srv, frameworkInfo("launch"), codec)

			offers := fw.offers(3)
			if len(offers) != 3 {
				t.Fatalf("%d offers, want one per agent", len(offers))
			}
			o := offers[0]
			if cpus, _ := resources.CPUs(o.Resources...); cpus != 4 {
				t.Errorf("offered cpus %v, want 4", cpus)
			}
			if mem, _ := resources.Memory(o.Resources...); mem != 8192 {
				t.Errorf("offered mem %v, want 8192", mem)
			}
			if ports, _ := resources.Ports(o.Resources...); ports.Size() != 100 {
				t.Errorf("offered ports %v, want 100", ports)
			}
			if o.AllocationInfo.GetRole() != "*" || len(o.Attributes) != 1 || o.Attributes[0].Name != "rack" {
				t.Errorf("offer role/attributes: %v %v", o.AllocationInfo, o.Attributes)
			}

			fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(
				commandTask("t1", o.AgentID, 1, 128),
				commandTask("t2", o.AgentID, 1, 128),
			)}.WithOffers(o.ID)))

			starting := fw.update("t1", mesos.TASK_STARTING)
			if len(starting.UUID) != 16 || starting.GetSource() != mesos.SOURCE_EXECUTOR || starting.AgentID.Value != o.AgentID.Value {
				t.Fatalf("STARTING update: %v", starting)
			}
			// The agent knows t1 is RUNNING, but holds that update back
			// until STARTING is acknowledged.
			eventually(t, "t1 RUNNING on the agent", func() bool {
				state, sus, _ := taskState(t, srv, "t1")
				return state == mesos.TASK_RUNNING && sus == mesos.TASK_STARTING
			})
			if ev := fw.poll(isUpdate("t1", mesos.TASK_RUNNING)); ev != nil {
				t.Fatal("RUNNING sent before STARTING was acknowledged")
			}
			fw.ack(starting)
			fw.ack(fw.update("t1", mesos.TASK_RUNNING))
			fw.ack(fw.update("t2", mesos.TASK_STARTING))
			fw.ack(fw.update("t2", mesos.TASK_RUNNING))

			eventually(t, "acknowledged RUNNING", func() bool {
				state, sus, _ := taskState(t, srv, "t1")
				return state == mesos.TASK_RUNNING && sus == noUpdate
			})
		})
	}
}

func TestSubscribedEvent(t *testing.T) {
	cfg := quickConfig(1)
	cfg.HeartbeatInterval = 50 * time.Millisecond
	srv := startSim(t, cfg)
	c := &fwClient{t: t, caller: newCaller(srv.URL(), jsonCodec), info: frameworkInfo("hb"), events: make(chan *scheduler.Event, 1024)}
	resp, err := c.caller.Call(t.Context(), calls.Subscribe(&c.info))
	if err != nil {
		t.Fatal(err)
	}
	c.resp = resp
	t.Cleanup(c.close)
	go c.read()
	ev := <-c.events
	if ev.Type != scheduler.Event_SUBSCRIBED {
		t.Fatalf("first event %v, want SUBSCRIBED", ev.Type)
	}
	sub := ev.Subscribed
	if sub.GetHeartbeatIntervalSeconds() != 0.05 || sub.MasterInfo == nil || sub.MasterInfo.GetAddress().GetPort() == 0 {
		t.Fatalf("SUBSCRIBED: %v", sub)
	}
	// Heartbeats keep coming; next() drops them, so read directly.
	for {
		select {
		case ev := <-c.events:
			if ev.Type == scheduler.Event_HEARTBEAT {
				return
			}
		case <-time.After(waitFor):
			t.Fatal("no HEARTBEAT")
		}
	}
}

func TestStatusUpdateRetriedUntilAcknowledged(t *testing.T) {
	cfg := quickConfig(1)
	cfg.StatusUpdateRetry = 20 * time.Millisecond
	srv := startSim(t, cfg)
	fw := subscribe(t, srv, frameworkInfo("retry"), jsonCodec)
	o := fw.offers(1)[0]
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask("t", o.AgentID, 1, 64))}.WithOffers(o.ID)))

	first := fw.update("t", mesos.TASK_STARTING)
	again := fw.update("t", mesos.TASK_STARTING)
	if string(first.UUID) != string(again.UUID) {
		t.Fatal("a resend must carry the same uuid")
	}
	fw.ack(again)
	running := fw.update("t", mesos.TASK_RUNNING)
	fw.ack(running)
	fw.ack(running) // duplicate acknowledgements are ignored
	eventually(t, "no update in flight", func() bool {
		_, sus, _ := taskState(t, srv, "t")
		return sus == noUpdate
	})
}

func TestDeclineRefuseSeconds(t *testing.T) {
	srv := startSim(t, quickConfig(2))
	fw := subscribe(t, srv, frameworkInfo("decline"), jsonCodec)
	offers := fw.offers(2)
	declined, held := offers[0], offers[1]

	const refuse = 500 * time.Millisecond
	declinedAt := time.Now()
	fw.mustCall(calls.Decline(declined.ID).With(calls.RefuseSeconds(refuse)))
	again := fw.next(func(e *scheduler.Event) bool {
		return e.Type == scheduler.Event_OFFERS && e.Offers.Offers[0].AgentID == declined.AgentID
	})
	if waited := time.Since(declinedAt); waited < refuse {
		t.Fatalf("declined agent offered again after %v, inside refuse_seconds %v", waited, refuse)
	}
	// The held offer is still outstanding: nothing else came for its agent.
	if fw.poll(func(e *scheduler.Event) bool {
		return e.Type == scheduler.Event_OFFERS && e.Offers.Offers[0].AgentID == held.AgentID
	}) != nil {
		t.Fatal("an outstanding offer's agent was offered again")
	}

	// A long refusal ends with REVIVE.
	fw.mustCall(calls.Decline(again.Offers.Offers[0].ID).With(calls.RefuseSeconds(time.Hour)))
	fw.mustCall(calls.Revive())
	fw.next(func(e *scheduler.Event) bool {
		return e.Type == scheduler.Event_OFFERS && e.Offers.Offers[0].AgentID == declined.AgentID
	})

	// Using a declined offer fails every task with TASK_LOST.
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask("late", declined.AgentID, 1, 64))}.WithOffers(declined.ID)))
	lost := fw.update("late", mesos.TASK_LOST)
	if lost.GetReason() != mesos.REASON_INVALID_OFFERS || lost.GetSource() != mesos.SOURCE_MASTER || len(lost.UUID) != 0 {
		t.Fatalf("invalid offer update: %v", lost)
	}
}

func TestSuppressAndRevive(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	fw := subscribe(t, srv, frameworkInfo("suppress"), jsonCodec)
	o := fw.offers(1)[0]
	fw.mustCall(calls.Suppress())
	fw.mustCall(calls.Decline(o.ID).With(calls.RefuseSeconds(0)))
	// Several allocation rounds pass without offers.
	eventually(t, "allocation rounds", func() bool {
		return srv.Summary().Offers == 0
	})
	deadline := time.Now().Add(200 * time.Millisecond)
	eventually(t, "four allocation intervals", func() bool { return time.Now().After(deadline) })
	if fw.poll(isType(scheduler.Event_OFFERS)) != nil {
		t.Fatal("offers while suppressed")
	}
	fw.mustCall(calls.Revive())
	fw.offers(1)
}

func TestKill(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	fw := subscribe(t, srv, frameworkInfo("kill", mesos.FrameworkInfo_Capability_TASK_KILLING_STATE), jsonCodec)
	o := fw.offers(1)[0]
	fw.runTask(o, "t", 1, 64)

	fw.mustCall(calls.Kill("t", o.AgentID.Value))
	fw.ack(fw.update("t", mesos.TASK_KILLING))
	killed := fw.update("t", mesos.TASK_KILLED)
	fw.ack(killed)
	eventually(t, "task completed", func() bool {
		_, _, found := taskState(t, srv, "t")
		return !found
	})

	fw.mustCall(calls.Kill("nope", ""))
	lost := fw.update("nope", mesos.TASK_LOST)
	if lost.GetReason() != mesos.REASON_RECONCILIATION || len(lost.UUID) != 0 {
		t.Fatalf("kill of unknown task: %v", lost)
	}

	// A task killed while staging never starts.
	o = fw.next(isType(scheduler.Event_OFFERS)).Offers.Offers[0]
	srv.Sim.mu.Lock()
	srv.Sim.cfg.TaskStartDelay = time.Hour
	srv.Sim.mu.Unlock()
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask("s", o.AgentID, 1, 64))}.WithOffers(o.ID)))
	fw.mustCall(calls.Kill("s", ""))
	st := fw.update("s", mesos.TASK_KILLED)
	if st.GetReason() != mesos.REASON_TASK_KILLED_DURING_LAUNCH || len(st.UUID) == 0 {
		t.Fatalf("kill during launch: %v", st)
	}
}

func TestReconcile(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	fw := subscribe(t, srv, frameworkInfo("reconcile"), jsonCodec)
	o := fw.offers(1)[0]
	fw.runTask(o, "a", 1, 64)
	fw.runTask(fw.offers(1)[0], "b", 1, 64)

	fw.mustCall(calls.Reconcile(calls.ReconcileTasks(map[string]string{"a": o.AgentID.Value, "ghost": ""})))
	a := fw.update("a", mesos.TASK_RUNNING)
	ghost := fw.update("ghost", mesos.TASK_LOST)
	for _, st := range []mesos.TaskStatus{a, ghost} {
		if st.GetReason() != mesos.REASON_RECONCILIATION || st.GetSource() != mesos.SOURCE_MASTER || len(st.UUID) != 0 {
			t.Fatalf("reconciliation update: %v", st)
		}
	}
	if fw.poll(isUpdate("b", mesos.TASK_RUNNING)) != nil {
		t.Fatal("explicit reconciliation answered for an unlisted task")
	}

	fw.mustCall(calls.Reconcile())
	fw.update("a", mesos.TASK_RUNNING)
	fw.update("b", mesos.TASK_RUNNING)

	pa := subscribe(t, srv, frameworkInfo("pa", mesos.FrameworkInfo_Capability_PARTITION_AWARE), jsonCodec)
	pa.mustCall(calls.Reconcile(calls.ReconcileTasks(map[string]string{"x": "", "y": o.AgentID.Value})))
	pa.update("x", mesos.TASK_UNKNOWN)
	pa.update("y", mesos.TASK_GONE)
}

func TestResourcesReturnWhenTasksEnd(t *testing.T) {
	cfg := quickConfig(1)
	cfg.Agent = AgentSpec{CPUs: 1, MemMB: 256}
	srv := startSim(t, cfg)
	fw := subscribe(t, srv, frameworkInfo("recover"), jsonCodec)
	o := fw.offers(1)[0]
	ti := commandTask("short", o.AgentID, 1, 256)
	ti.Labels = &mesos.Labels{Labels: []mesos.Label{{Key: LabelRunFor, Value: strPtrT("30ms")}}}
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(ti)}.WithOffers(o.ID)))
	fw.ack(fw.update("short", mesos.TASK_STARTING))
	fw.ack(fw.update("short", mesos.TASK_RUNNING))
	fw.ack(fw.update("short", mesos.TASK_FINISHED))
	again := fw.offers(1)[0]
	if cpus, _ := resources.CPUs(again.Resources...); cpus != 1 {
		t.Fatalf("cpus offered after the task ended: %v", cpus)
	}

	// Injected failure through the control API's Go form.
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask("doomed", o.AgentID, 1, 256))}.WithOffers(again.ID)))
	fw.ack(fw.update("doomed", mesos.TASK_STARTING))
	fw.ack(fw.update("doomed", mesos.TASK_RUNNING))
	if err := srv.FailTask("", "doomed", mesos.TASK_FAILED, "boom"); err != nil {
		t.Fatal(err)
	}
	failed := fw.update("doomed", mesos.TASK_FAILED)
	if failed.GetMessage() != "boom" || len(failed.UUID) == 0 {
		t.Fatalf("failed update: %v", failed)
	}
	fw.ack(failed)
	fw.offers(1)
}

func strPtrT(s string) *string { return &s }

func TestLaunchFailureRate(t *testing.T) {
	cfg := quickConfig(1)
	cfg.LaunchFailureRate = 1
	srv := startSim(t, cfg)
	fw := subscribe(t, srv, frameworkInfo("flaky"), jsonCodec)
	o := fw.offers(1)[0]
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask("t", o.AgentID, 1, 64))}.WithOffers(o.ID)))
	st := fw.update("t", mesos.TASK_FAILED)
	if st.GetReason() != mesos.REASON_CONTAINER_LAUNCH_FAILED {
		t.Fatalf("launch failure: %v", st)
	}
}

func TestInvalidLaunches(t *testing.T) {
	srv := startSim(t, quickConfig(2))
	fw := subscribe(t, srv, frameworkInfo("invalid"), jsonCodec)
	offers := fw.offers(2)
	o := offers[0]

	big := commandTask("big", o.AgentID, 64, 64)
	noCmd := commandTask("nocmd", o.AgentID, 1, 64)
	noCmd.Command = nil
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(big, noCmd, commandTask("ok", o.AgentID, 1, 64))}.WithOffers(o.ID)).
		With(calls.RefuseSeconds(0)))
	for _, id := range []string{"big", "nocmd"} {
		st := fw.update(id, mesos.TASK_ERROR)
		if st.GetReason() != mesos.REASON_TASK_INVALID || len(st.UUID) != 0 {
			t.Fatalf("%s: %v", id, st)
		}
	}
	fw.ack(fw.update("ok", mesos.TASK_STARTING))

	// Offers of two agents cannot be combined.
	o2 := fw.next(isType(scheduler.Event_OFFERS)).Offers.Offers[0]
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask("spread", o.AgentID, 1, 64))}.WithOffers(offers[1].ID, o2.ID)))
	fw.update("spread", mesos.TASK_LOST)
}

func TestLaunchGroup(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	fw := subscribe(t, srv, frameworkInfo("group"), jsonCodec)
	o := fw.offers(1)[0]
	ex := mesos.ExecutorInfo{
		Type:       mesos.ExecutorInfo_DEFAULT,
		ExecutorID: mesos.ExecutorID{Value: "pod-1"},
		Resources:  mesos.Resources{resources.NewCPUs(0.1).Resource, resources.NewMemory(32).Resource},
	}
	a, b := commandTask("a", o.AgentID, 1, 64), commandTask("b", o.AgentID, 1, 64)
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunchGroup(ex, a, b)}.WithOffers(o.ID)))
	for _, id := range []string{"a", "b"} {
		st := fw.update(id, mesos.TASK_STARTING)
		if st.GetExecutorID().GetValue() != "pod-1" {
			t.Fatalf("group task without its executor: %v", st)
		}
		fw.ack(st)
		fw.ack(fw.update(id, mesos.TASK_RUNNING))
	}
	// Killing one task kills the group; then the executor exits.
	fw.mustCall(calls.Kill("a", ""))
	fw.ack(fw.update("a", mesos.TASK_KILLED))
	fw.ack(fw.update("b", mesos.TASK_KILLED))
	f := fw.next(isType(scheduler.Event_FAILURE))
	if f.Failure.GetExecutorID().GetValue() != "pod-1" {
		t.Fatalf("FAILURE: %v", f.Failure)
	}
}

func TestAgentLoss(t *testing.T) {
	srv := startSim(t, quickConfig(2))
	plain := subscribe(t, srv, frameworkInfo("plain"), jsonCodec)
	offers := plain.offers(2)
	a := offers[0].AgentID
	// plain keeps its one task and takes no more offers, so that the
	// partition-aware framework gets agent a's remaining resources.
	plain.mustCall(calls.Suppress())
	plain.mustCall(calls.Decline(offers[1].ID))
	plain.runTask(offers[0], "p", 1, 64)

	aware := subscribe(t, srv, frameworkInfo("aware", mesos.FrameworkInfo_Capability_PARTITION_AWARE), jsonCodec)
	aware.runTask(aware.offerFor(a), "q", 1, 64)
	outstanding := aware.offerFor(a)

	if err := srv.LoseAgent(a.Value); err != nil {
		t.Fatal(err)
	}
	lost := plain.update("p", mesos.TASK_LOST)
	if lost.GetReason() != mesos.REASON_AGENT_REMOVED || len(lost.UUID) != 0 || lost.GetSource() != mesos.SOURCE_MASTER {
		t.Fatalf("TASK_LOST: %v", lost)
	}
	unreachable := aware.update("q", mesos.TASK_UNREACHABLE)
	if unreachable.UnreachableTime == nil {
		t.Fatalf("TASK_UNREACHABLE without unreachable_time: %v", unreachable)
	}
	for _, fw := range []*fwClient{plain, aware} {
		f := fw.next(isType(scheduler.Event_FAILURE))
		if f.Failure.GetAgentID().GetValue() != a.Value {
			t.Fatalf("FAILURE: %v", f.Failure)
		}
	}
	if r := aware.next(isType(scheduler.Event_RESCIND)); r.Rescind.OfferID != outstanding.ID {
		t.Fatalf("RESCIND of %v, want %v", r.Rescind.OfferID, outstanding.ID)
	}
	tasks := operatorCall(t, srv, mastercalls.GetTasks()).GetTasks
	if len(tasks.UnreachableTasks) != 1 || tasks.UnreachableTasks[0].TaskID.Value != "q" {
		t.Fatalf("unreachable tasks: %v", tasks.UnreachableTasks)
	}
	aware.mustCall(calls.Reconcile(calls.ReconcileTasks(map[string]string{"q": a.Value, "other": a.Value})))
	aware.update("q", mesos.TASK_UNREACHABLE)
	aware.update("other", mesos.TASK_UNREACHABLE)
}
