package sim

import (
	"net/http"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

func TestControlAPI(t *testing.T) {
	srv := startSim(t, quickConfig(1))
	fw := subscribe(t, srv, frameworkInfo("ctl"), jsonCodec)
	fw.runTask(fw.offers(1)[0], "t", 1, 64)

	post := func(path, body string) int {
		t.Helper()
		resp, err := http.Post(srv.URL()+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if code := post("/sim/tasks/t/end", `{"state":"TASK_FAILED","message":"oom"}`); code != 200 {
		t.Fatalf("end task: %d", code)
	}
	if st := fw.update("t", mesos.TASK_FAILED); st.GetMessage() != "oom" {
		t.Fatalf("failed update: %v", st)
	}
	if code := post("/sim/tasks/nope/end", `{"state":"TASK_FAILED"}`); code != 404 {
		t.Fatalf("end unknown task: %d, want 404", code)
	}
	if code := post("/sim/tasks/t/end", `{"state":"TASK_RUNNING"}`); code != 400 {
		t.Fatalf("end with a non-terminal state: %d, want 400", code)
	}
	if code := post("/sim/agents/nope/lose", ""); code != 404 {
		t.Fatalf("lose unknown agent: %d, want 404", code)
	}

	if code := post("/sim/config", `{"launch_failure_rate":1}`); code != 200 {
		t.Fatalf("config: %d", code)
	}
	o := fw.next(isType(scheduler.Event_OFFERS)).Offers.Offers[0]
	fw.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunch(commandTask("f", o.AgentID, 1, 64))}.WithOffers(o.ID)))
	fw.update("f", mesos.TASK_FAILED)

	if code := post("/sim/frameworks/"+fw.id+"/error", `{"message":"injected"}`); code != 200 {
		t.Fatalf("error: %d", code)
	}
	if ev := fw.next(isType(scheduler.Event_ERROR)); ev.Error.Message != "injected" {
		t.Fatalf("ERROR %q", ev.Error.Message)
	}

	if code := post("/sim/leadership", `{"mode":"recovering"}`); code != 200 || srv.Mode() != ModeRecovering {
		t.Fatalf("leadership: %d %s", code, srv.Mode())
	}
	if code := post("/sim/leadership", `{"mode":"emperor"}`); code != 400 {
		t.Fatalf("bad mode: %d", code)
	}
}
