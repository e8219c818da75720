package sim

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mastercalls "github.com/mesos/mesos-go/api/v1/lib/master/calls"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

func withFailover(info mesos.FrameworkInfo, d time.Duration) mesos.FrameworkInfo {
	secs := d.Seconds()
	info.FailoverTimeout = &secs
	return info
}

func connected(t *testing.T, srv *Server, id string) (known, conn bool) {
	for _, f := range operatorCall(t, srv, mastercalls.GetFrameworks()).GetFrameworks.Frameworks {
		if f.FrameworkInfo.GetID().GetValue() == id {
			return true, f.Connected
		}
	}
	return false, false
}

func TestFailoverWithinTimeout(t *testing.T) {
	cfg := quickConfig(1)
	cfg.StatusUpdateRetry = time.Hour // a resend can only come from the resubscription
	srv := startSim(t, cfg)
	fw := subscribe(t, srv, withFailover(frameworkInfo("ha"), time.Hour), jsonCodec)
	o := fw.offers(1)[0]
	fw.runTask(o, "keep", 1, 64)
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask("unacked", o.AgentID, 1, 64))}.
		WithOffers(fw.offers(1)[0].ID)))
	first := fw.update("unacked", mesos.TASK_STARTING)

	fw.close()
	eventually(t, "framework disconnected", func() bool {
		known, conn := connected(t, srv, fw.id)
		return known && !conn
	})

	again := subscribe(t, srv, fw.info, protoCodec)
	if again.id != fw.id {
		t.Fatalf("resubscribed as %s, want %s", again.id, fw.id)
	}
	resent := again.update("unacked", mesos.TASK_STARTING)
	if string(resent.UUID) != string(first.UUID) {
		t.Fatal("the pending update should be resent unchanged")
	}
	again.ack(resent)
	again.ack(again.update("unacked", mesos.TASK_RUNNING))
	again.mustCall(calls.Reconcile())
	again.update("keep", mesos.TASK_RUNNING)
	again.offers(1)
}

func TestFailoverWhileConnected(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	old := subscribe(t, srv, withFailover(frameworkInfo("twice"), time.Hour), jsonCodec)
	fresh := subscribe(t, srv, old.info, jsonCodec)
	ev := old.next(isType(scheduler.Event_ERROR))
	if ev.Error.Message != "Framework failed over" {
		t.Fatalf("ERROR %q", ev.Error.Message)
	}
	old.streamEnded()
	if known, conn := connected(t, srv, fresh.id); !known || !conn {
		t.Fatal("the new subscription should be the connected one")
	}
	fresh.offers(1)
}

func TestFailoverTimeoutExpires(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	fw := subscribe(t, srv, withFailover(frameworkInfo("brief"), 100*time.Millisecond), jsonCodec)
	fw.runTask(fw.offers(1)[0], "t", 1, 64)
	fw.close()

	eventually(t, "framework removed", func() bool {
		known, _ := connected(t, srv, fw.id)
		return !known
	})
	frameworks := operatorCall(t, srv, mastercalls.GetFrameworks()).GetFrameworks
	if len(frameworks.CompletedFrameworks) != 1 {
		t.Fatalf("completed frameworks: %v", frameworks.CompletedFrameworks)
	}
	tasks := operatorCall(t, srv, mastercalls.GetTasks()).GetTasks
	if len(tasks.Tasks) != 0 || len(tasks.CompletedTasks) != 1 || tasks.CompletedTasks[0].GetState() != mesos.TASK_KILLED {
		t.Fatalf("tasks after removal: live %v, completed %v", tasks.Tasks, tasks.CompletedTasks)
	}
	// The agent's resources are free again.
	if got := operatorCall(t, srv, mastercalls.GetAgents()).GetAgents.Agents[0].AllocatedResources; len(got) != 0 {
		t.Fatalf("allocated after removal: %v", got)
	}

	// Resubscribing too late gets ERROR on a 200 stream.
	c := &fwClient{t: t, caller: newCaller(srv.URL(), jsonCodec), info: fw.info, events: make(chan *scheduler.Event, 16)}
	resp, err := c.caller.Call(t.Context(), calls.Subscribe(&c.info))
	if err != nil {
		t.Fatal(err)
	}
	c.resp = resp
	t.Cleanup(c.close)
	go c.read()
	ev := c.next(isType(scheduler.Event_ERROR))
	if ev.Error.Message != "Framework has been removed" {
		t.Fatalf("ERROR %q", ev.Error.Message)
	}
}

func TestTeardown(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	fw := subscribe(t, srv, withFailover(frameworkInfo("bye"), time.Hour), jsonCodec)
	fw.runTask(fw.offers(1)[0], "t", 1, 64)
	fw.mustCall(&scheduler.Call{Type: scheduler.Call_TEARDOWN})
	fw.streamEnded()
	if known, _ := connected(t, srv, fw.id); known {
		t.Fatal("framework still registered after TEARDOWN")
	}
}

func TestDisconnectZeroFailoverRemovesAtOnce(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	fw := subscribe(t, srv, frameworkInfo("ephemeral"), jsonCodec)
	if err := srv.DisconnectFramework(fw.id); err != nil {
		t.Fatal(err)
	}
	fw.streamEnded()
	if known, _ := connected(t, srv, fw.id); known {
		t.Fatal("a framework with failover_timeout 0 must be removed when it disconnects")
	}
}
