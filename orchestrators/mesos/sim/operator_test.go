package sim

import (
	"context"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/master"
	mastercalls "github.com/mesos/mesos-go/api/v1/lib/master/calls"
)

func TestOperatorGetCalls(t *testing.T) {
	srv := startSim(t, quickConfig(2))
	fw := subscribe(t, srv, frameworkInfo("op"), jsonCodec)
	fw.runTask(fw.offers(2)[0], "t", 1, 64)

	for name, codec := range map[string]encoding.Codec{"json": jsonCodec, "protobuf": protoCodec} {
		t.Run(name, func(t *testing.T) {
			send := func(call *master.Call) *master.Response {
				resp, err := operator(srv, codec).Send(context.Background(), mastercalls.NonStreaming(call))
				if err != nil {
					t.Fatalf("%v: %v", call.Type, err)
				}
				defer resp.Close()
				var out master.Response
				if err := resp.Decode(&out); err != nil {
					t.Fatal(err)
				}
				return &out
			}
			state := send(mastercalls.GetState()).GetState
			if len(state.GetAgents.Agents) != 2 || len(state.GetFrameworks.Frameworks) != 1 || len(state.GetTasks.Tasks) != 1 {
				t.Fatalf("GET_STATE: %d agents, %d frameworks, %d tasks",
					len(state.GetAgents.Agents), len(state.GetFrameworks.Frameworks), len(state.GetTasks.Tasks))
			}
			task := state.GetTasks.Tasks[0]
			if task.GetState() != mesos.TASK_RUNNING || task.FrameworkID.Value != fw.id || len(task.Statuses) != 2 {
				t.Fatalf("task: %v", task)
			}
			f := send(mastercalls.GetFrameworks()).GetFrameworks.Frameworks[0]
			if !f.Active || !f.Connected || f.FrameworkInfo.Name != "op" || len(f.AllocatedResources) == 0 {
				t.Fatalf("framework: %v", f)
			}
			agents := send(mastercalls.GetAgents()).GetAgents.Agents
			var allocated int
			for _, a := range agents {
				allocated += len(a.AllocatedResources)
			}
			if allocated == 0 || agents[0].AgentInfo.ID == nil || agents[0].Version != Version {
				t.Fatalf("agents: %v", agents)
			}
			if tasks := send(mastercalls.GetTasks()).GetTasks; len(tasks.Tasks) != 1 {
				t.Fatalf("GET_TASKS: %v", tasks)
			}
			m := send(mastercalls.GetMaster()).GetMaster
			if m.MasterInfo.GetAddress().GetPort() == 0 {
				t.Fatalf("GET_MASTER: %v", m)
			}
			if !send(mastercalls.GetHealth()).GetHealth.Healthy {
				t.Fatal("unhealthy")
			}
		})
	}
}

func TestOperatorSubscribe(t *testing.T) {
	cfg := quickConfig(1)
	cfg.HeartbeatInterval = 100 * time.Millisecond
	srv := startSim(t, cfg)
	resp, err := operator(srv, jsonCodec).Send(context.Background(), mastercalls.NonStreaming(mastercalls.Subscribe()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Close() })
	events := make(chan *master.Event, 1024)
	go func() {
		defer close(events)
		for {
			ev := &master.Event{}
			if err := resp.Decode(ev); err != nil {
				return
			}
			events <- ev
		}
	}()
	next := func(want master.Event_Type) *master.Event {
		t.Helper()
		deadline := time.After(waitFor)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatal("operator stream ended")
				}
				if ev.Type == want {
					return ev
				}
			case <-deadline:
				t.Fatalf("no %v", want)
			}
		}
	}
	sub := next(master.Event_SUBSCRIBED).Subscribed
	if len(sub.GetState.GetAgents.Agents) != 1 || sub.GetHeartbeatIntervalSeconds() != 0.1 {
		t.Fatalf("SUBSCRIBED: %v", sub)
	}

	fw := subscribe(t, srv, frameworkInfo("watched"), jsonCodec)
	if got := next(master.Event_FRAMEWORK_ADDED).FrameworkAdded.Framework.FrameworkInfo.GetID().GetValue(); got != fw.id {
		t.Fatalf("FRAMEWORK_ADDED %s", got)
	}
	o := fw.offers(1)[0]
	fw.runTask(o, "t", 1, 64)
	if added := next(master.Event_TASK_ADDED).TaskAdded.Task; added.TaskID.Value != "t" || added.GetState() != mesos.TASK_STAGING {
		t.Fatalf("TASK_ADDED: %v", added)
	}
	for {
		u := next(master.Event_TASK_UPDATED).TaskUpdated
		if u.GetState() == mesos.TASK_RUNNING && u.Status.GetState() == mesos.TASK_RUNNING {
			break
		}
	}

	ids := srv.AddAgents(1, AgentSpec{CPUs: 1, MemMB: 512})
	if got := next(master.Event_AGENT_ADDED).AgentAdded.Agent.AgentInfo.ID.Value; got != ids[0] {
		t.Fatalf("AGENT_ADDED %s, want %s", got, ids[0])
	}
	if err := srv.LoseAgent(o.AgentID.Value); err != nil {
		t.Fatal(err)
	}
	if u := next(master.Event_TASK_UPDATED).TaskUpdated; u.GetState() != mesos.TASK_LOST {
		t.Fatalf("TASK_UPDATED after agent loss: %v", u)
	}
	if got := next(master.Event_AGENT_REMOVED).AgentRemoved.AgentID.Value; got != o.AgentID.Value {
		t.Fatalf("AGENT_REMOVED %s", got)
	}
	next(master.Event_HEARTBEAT)

	// TEARDOWN and MARK_AGENT_GONE answer 200 without a body.
	if err := mastercalls.SendNoData(context.Background(), operator(srv, jsonCodec), mastercalls.NonStreaming(mastercalls.MarkAgentGone(mesos.AgentID{Value: ids[0]}))); err != nil {
		t.Fatal(err)
	}
	next(master.Event_AGENT_REMOVED)
	if err := mastercalls.SendNoData(context.Background(), operator(srv, jsonCodec), mastercalls.NonStreaming(mastercalls.Teardown(mesos.FrameworkID{Value: fw.id}))); err != nil {
		t.Fatal(err)
	}
	next(master.Event_FRAMEWORK_REMOVED)
	fw.streamEnded()
}
