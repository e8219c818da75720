package server

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// TestReplicasShareChangesThroughPostgres runs two BCS servers on one
// PostgreSQL database: a subscriber on replica B receives a change that
// replica A ingested (LISTEN/NOTIFY wakes B; B reads the log).
func TestReplicasShareChangesThroughPostgres(t *testing.T) {
	url, err := pg.CreateDatabase(context.Background(), "replicas")
	if err != nil {
		t.Fatal(err)
	}
	a := newEnvWith(t, url, func(c *Config) { c.Replica = "a" })
	b := newEnvWith(t, url, func(c *Config) { c.Replica = "b" })
	tn := a.newTenant(t, "shared")

	stream := b.subscribe(t, `subscription { changes(filter: {kinds: ["ConfigMap"]}) { revision name projectID } }`, nil)
	eventually(t, "a subscriber on replica b", func() bool { return b.server.hub.Subscribers() > 0 })
	ctx := system()
	ev := changelog.Event{ClusterID: gid.ID(tn.objects[1]), ProjectID: gid.ID(tn.project), Kind: "ConfigMap",
		Namespace: "ns", Name: "from-a", Type: changelog.Added, Object: map[string]any{"data": "x"}}
	if err := a.server.writer.Submit(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := a.server.writer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var c changeView
	_ = json.Unmarshal(next(t, stream).Data["changes"], &c)
	if c.Name != "from-a" || c.ProjectID != tn.project {
		t.Fatalf("replica b received %+v", c)
	}
}
