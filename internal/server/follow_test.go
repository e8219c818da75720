package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFollowSubscriptionsStartWithTheCurrentState: operation, workload and
// instance subscriptions send the object at once, then its changes.
func TestFollowSubscriptionsStartWithTheCurrentState(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "follow")
	env.db.Client.Instance.UpdateOneID(ID(tn.objects[10])).SetObjects(map[string]any{"items": []any{map[string]any{"kind": "ConfigMap", "status": "PENDING"}}}).ExecX(system())
	ev := next(t, env.subscribe(t, `subscription($id: ID!) { instance(id: $id) { id status objects } }`, map[string]any{"id": tn.objects[10]}))
	if !strings.Contains(string(ev.Data["instance"]), "PENDING") {
		t.Errorf("instance with objects: %s %v", ev.Data["instance"], ev.Errors)
	}
	for field, id := range map[string]string{"operation": tn.objects[11], "workload": tn.objects[3], "instance": tn.objects[10]} {
		ev := next(t, env.subscribe(t, `subscription($id: ID!) { `+field+`(id: $id) { id } }`, map[string]any{"id": id}))
		var got struct{ ID string }
		_ = json.Unmarshal(ev.Data[field], &got)
		if got.ID != id {
			t.Errorf("%s: first event %+v %v", field, ev.Data, ev.Errors)
		}
	}
}

// Subscribers following one object share one storage poll, and see it
// change.
func TestFollowersOfOneObjectShareAPoll(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "shared")
	id := tn.objects[3] // a workload
	base := env.server.follows.Polls()
	var streams []<-chan sseEvent
	for range 3 {
		s := env.subscribe(t, `subscription($id: ID!) { workload(id: $id) { id ready } }`, map[string]any{"id": id})
		next(t, s) // the current state
		streams = append(streams, s)
	}
	eventually(t, "one poll for three followers", func() bool { return env.server.follows.Polls() == base+1 })
	env.db.Client.Workload.UpdateOneID(ID(id)).SetReady(7).ExecX(system())
	for i, s := range streams {
		for {
			var w struct{ Ready int }
			ev := next(t, s)
			_ = json.Unmarshal(ev.Data["workload"], &w)
			if w.Ready == 7 {
				break
			}
			if len(ev.Errors) > 0 {
				t.Fatalf("follower %d: %v", i, ev.Errors)
			}
		}
	}
}
