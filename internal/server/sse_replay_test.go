package server

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// TestSSEReplayDeliversEachChangeOnce replays a burst over SSE: every
// change arrives once and in order (a reused executor buffer once made the
// stream repeat one change and lose another).
func TestSSEReplayDeliversEachChangeOnce(t *testing.T) {
	backends(t, testSSEReplay)
}

func testSSEReplay(t *testing.T, env *testEnv) {
	a := env.newTenant(t, "alpha")
	ctx := system()
	const n = 50
	for i := range n {
		name := fmt.Sprintf("cm-%02d", i)
		ev := changelog.Event{ClusterID: gid.ID(a.objects[1]), ProjectID: gid.ID(a.project), Kind: "ConfigMap", Namespace: "ns", Name: name, Type: changelog.Added, Object: map[string]any{"name": name}}
		if err := env.server.writer.Submit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.server.writer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s := env.subscribe(t, `subscription { changes(filter: {kinds: ["ConfigMap"]}, since: 0) { revision name } }`, nil)
	for i := range n {
		var c changeView
		_ = json.Unmarshal(next(t, s).Data["changes"], &c)
		if want := fmt.Sprintf("cm-%02d", i); c.Name != want {
			t.Fatalf("event %d is %+v, want %s", i, c, want)
		}
	}
}
