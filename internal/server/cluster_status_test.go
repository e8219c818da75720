package server

import (
	"encoding/json"
	"testing"

	"github.com/bcs-io/bcs/ent/cluster"
)

// clusterStatus subscribers of one project share one storage poll; each
// hears of every cluster first, then of each status change, from its own
// view of what it was sent.
func TestClusterStatusSubscribersShareAPoll(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "statuses")
	cid := tn.objects[1]
	const q = `subscription($p: ID!) { clusterStatus(projectID: $p) { id status } }`
	type status struct{ ID, Status string }
	read := func(s <-chan sseEvent) status {
		t.Helper()
		ev := next(t, s)
		var c status
		if err := json.Unmarshal(ev.Data["clusterStatus"], &c); err != nil || len(ev.Errors) > 0 {
			t.Fatalf("event %s %v (%v)", ev.Data["clusterStatus"], ev.Errors, err)
		}
		return c
	}
	base := env.server.follows.Polls()
	var streams []<-chan sseEvent
	for range 3 {
		s := env.subscribe(t, q, map[string]any{"p": tn.project})
		if c := read(s); c.ID != cid || c.Status != "REGISTERING" {
			t.Fatalf("first event %+v; want %s REGISTERING", c, cid)
		}
		streams = append(streams, s)
	}
	eventually(t, "one poll for three subscribers", func() bool { return env.server.follows.Polls() == base+1 })

	env.db.Client.Cluster.UpdateOneID(ID(cid)).SetStatus(cluster.StatusCHECKING).ExecX(system())
	for i, s := range streams {
		if c := read(s); c.ID != cid || c.Status != "CHECKING" {
			t.Fatalf("subscriber %d: %+v; want %s CHECKING", i, c, cid)
		}
	}
	// A later subscriber's view starts empty: it hears of the cluster as it
	// is now, on the same poll.
	late := env.subscribe(t, q, map[string]any{"p": tn.project})
	if c := read(late); c.ID != cid || c.Status != "CHECKING" {
		t.Fatalf("late subscriber: %+v", c)
	}
	if n := env.server.follows.Polls(); n != base+1 {
		t.Fatalf("%d polls; want %d", n, base+1)
	}
}
