package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/workload"
)

// TestServerRestartLosesNoChanges runs BCS on PostgreSQL against a real
// control plane: it stops the server while the cluster keeps changing,
// starts a new one on the same database, resubscribes from the last
// revision seen, and checks that nothing is missing or repeated and that
// storage ends equal to the API server's state.
func TestServerRestartLosesNoChanges(t *testing.T) {
	kc, _ := kubeClusters(t)
	url, err := pg.CreateDatabase(context.Background(), "restart")
	if err != nil {
		t.Fatal(err)
	}
	first := newEnvWith(t, url, func(c *Config) { c.Replica = "first" })
	p := first.createProject(t, "Restart", "restart")
	var c struct{ ID string }
	first.do(t, `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "rs", "kubeconfig": string(kc.Kubeconfig)}}).field(t, "registerCluster", &c)

	ctx := context.Background()
	ns := "restart-test"
	if _, err := kc.Client.CoreV1().Namespaces().Create(ctx, namespaceObject(ns), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deployments := kc.Client.AppsV1().Deployments(ns)
	create := func(name string) {
		d := deploymentObject(name, 1)
		d.Namespace = ns
		if _, err := deployments.Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sub := `subscription($since: Int) { changes(filter: {kinds: ["Deployment"], namespaces: ["` + ns + `"]}, since: $since) { ` + changeFields + ` } }`
	stream := first.subscribe(t, sub, map[string]any{"since": 0})
	create("before-1")
	eventually(t, "before-1 in storage", func() bool {
		return first.db.Client.Workload.Query().Where(workload.Name("before-1")).ExistX(system())
	})
	seen := map[int]bool{}
	last := 0
	for {
		var ch changeView
		_ = json.Unmarshal(next(t, stream).Data["changes"], &ch)
		seen[ch.Revision], last = true, ch.Revision
		if ch.Name == "before-1" {
			break
		}
	}
	// Stop the first server: drop its subscribers' connections (an open
	// stream would keep httptest's Close waiting), then its background work.
	first.srv.CloseClientConnections()
	first.server.Close()
	first.srv.Close()

	// The cluster changes while no BCS runs.
	for i := range 3 {
		create(fmt.Sprintf("during-%d", i))
	}
	if err := deployments.Delete(ctx, "before-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	second := newEnvWith(t, url, func(c *Config) { c.Replica = "second" })
	second.token = first.token
	stream = second.subscribe(t, sub, map[string]any{"since": last})
	want := map[string]bool{"during-0": false, "during-1": false, "during-2": false, "before-1 deleted": false}
	for done := 0; done < len(want); {
		var ch changeView
		_ = json.Unmarshal(next(t, stream).Data["changes"], &ch)
		if seen[ch.Revision] || ch.Revision <= last {
			t.Fatalf("revision %d delivered again", ch.Revision)
		}
		seen[ch.Revision] = true
		key := ch.Name
		if ch.Type == "DELETED" {
			key += " deleted"
		}
		if got, ok := want[key]; ok && !got && (ch.Type == "ADDED" || ch.Type == "DELETED") {
			want[key] = true
			done++
		}
	}
	// Storage equals the API server.
	live, err := deployments.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "storage equal to the API server", func() bool {
		stored := second.db.Client.Workload.Query().Where(workload.Namespace(ns)).AllX(system())
		if len(stored) != len(live.Items) {
			return false
		}
		names := map[string]bool{}
		for _, w := range stored {
			names[w.Name] = true
		}
		for _, d := range live.Items {
			if !names[d.Name] {
				return false
			}
		}
		return true
	})
}
