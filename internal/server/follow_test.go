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
