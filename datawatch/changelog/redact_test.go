package changelog_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/ent"
)

// TestSecretPayloadsNeverEnterTheLog: whatever a source submits, a
// Secret's data and stringData values are neither stored nor delivered;
// its keys and the rest of the object are.
func TestSecretPayloadsNeverEnterTheLog(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, cl := dwtest.Cluster(t, db)
	var mu sync.Mutex
	var delivered []*ent.Change
	w := startWriter(t, db, changelog.Config{OnCommit: func(cs []*ent.Change) {
		mu.Lock()
		delivered = append(delivered, cs...)
		mu.Unlock()
	}})
	ctx := ctxT(t)
	secret := map[string]any{"metadata": map[string]any{"name": "db", "namespace": "shop"}, "type": "Opaque",
		"data": map[string]any{"token": "aHVudGVyMg=="}, "stringData": map[string]any{"password": "hunter2"}}
	must(t, w.Submit(ctx, changelog.Event{ClusterID: cl, Kind: "Secret", Namespace: "shop", Name: "db", Type: changelog.Added, Object: secret}))
	must(t, w.Resync(ctx, cl, "Secret", []changelog.Event{
		{ClusterID: cl, Kind: "Secret", Namespace: "shop", Name: "db", Type: changelog.Modified, Object: secret},
		{ClusterID: cl, Kind: "Secret", Namespace: "shop", Name: "db2", Type: changelog.Modified, Object: secret},
	}))
	must(t, w.Flush(ctx))

	stored := listAll(t, changelog.NewLog(db), 0, all)
	mu.Lock()
	defer mu.Unlock()
	if len(stored) != 2 || len(delivered) != 2 {
		t.Fatalf("want 2 changes stored and delivered, got %d and %d", len(stored), len(delivered))
	}
	for _, c := range append(stored, delivered...) {
		b, _ := json.Marshal(c.Object)
		if strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "aHVudGVyMg==") {
			t.Errorf("change %d of %s keeps the payload: %s", c.Revision, c.Name, b)
		}
		if !strings.Contains(string(b), `"password"`) || !strings.Contains(string(b), `"Opaque"`) {
			t.Errorf("change %d lost more than the payload: %s", c.Revision, b)
		}
	}
	if secret["stringData"].(map[string]any)["password"] != "hunter2" {
		t.Error("the source's object was modified")
	}
}
