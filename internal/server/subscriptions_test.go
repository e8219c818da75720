package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// sseEvent is one `next` payload of a graphql-sse stream.
type sseEvent struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// subscribe opens a graphql-sse subscription; events arrive on the channel
// until the stream ends or the test does.
func (e *testEnv) subscribe(t *testing.T, query string, vars map[string]any) <-chan sseEvent {
	t.Helper()
	return e.subscribeAccepting(t, []string{"text/event-stream"}, query, vars)
}

// subscribeAccepting is subscribe with the request's Accept lines.
func (e *testEnv) subscribeAccepting(t *testing.T, accept []string, query string, vars map[string]any) <-chan sseEvent {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header["Accept"] = accept
	req.Header.Set("Authorization", "Bearer "+e.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "next":
				var ev sseEvent
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev) == nil {
					out <- ev
				}
			case event == "complete":
				return
			}
		}
	}()
	return out
}

func next(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(60 * time.Second):
		t.Fatal("no event within 60 s")
	}
	return sseEvent{}
}

type changeView struct {
	Revision                    int
	ProjectID, Kind, Name, Type string
}

const changeFields = `revision projectID kind name type`

// TestSubscriptionsStayInsideTheProject: a subscriber never receives another
// project's changes, and cannot subscribe to another project's objects.
func TestSubscriptionsStayInsideTheProject(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	a, b := env.newTenant(t, "alpha"), env.newTenant(t, "beta")
	viewer := env.as(a.tokens[member.RoleVIEWER])
	stream := viewer.subscribe(t, `subscription { changes { `+changeFields+` } }`, nil)

	ctx := system()
	submit := func(tn *tenant, name string) {
		ev := changelog.Event{ClusterID: gid.ID(tn.objects[1]), ProjectID: gid.ID(tn.project), Kind: "ConfigMap",
			Namespace: "ns", Name: name, Type: changelog.Added, Object: map[string]any{"name": name}}
		if err := env.server.writer.Submit(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if err := env.server.writer.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The subscription is live once the server accepted it; give the hub a
	// change to prove it: B's first, then A's.
	eventuallySubscribed(t, env)
	submit(b, "secret-of-beta")
	submit(a, "visible")
	for {
		ev := next(t, stream)
		var c changeView
		_ = json.Unmarshal(ev.Data["changes"], &c)
		if c.ProjectID != a.project {
			t.Fatalf("received another project's change %+v (errors %v)", c, ev.Errors)
		}
		if c.Name == "visible" { // B's came before it in revision order and was filtered out
			break
		}
	}

	for name, tc := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"changes of another project":  {`subscription($p: ID!) { changes(filter: {projectID: $p}) { revision } }`, map[string]any{"p": b.project}},
		"another project's operation": {`subscription($id: ID!) { operation(id: $id) { id } }`, map[string]any{"id": b.objects[11]}},
		"another project's clusters":  {`subscription($p: ID!) { clusterStatus(projectID: $p) { id } }`, map[string]any{"p": b.project}},
		"another project's workload":  {`subscription($id: ID!) { workload(id: $id) { id } }`, map[string]any{"id": b.objects[3]}},
		"another project's instance":  {`subscription($id: ID!) { instance(id: $id) { id } }`, map[string]any{"id": b.objects[10]}},
	} {
		ev := next(t, viewer.subscribe(t, tc.query, tc.vars))
		if len(ev.Errors) == 0 {
			t.Errorf("%s: got data %v", name, ev.Data)
			continue
		}
		if code := ev.Errors[0].Extensions["code"]; code != "FORBIDDEN" && code != "NOT_FOUND" {
			t.Errorf("%s: code %v", name, code)
		}
	}
	// The query form confines the log too.
	var page struct{ Changes []changeView }
	viewer.do(t, `{ changes(since: 0) { changes { `+changeFields+` } } }`, nil).field(t, "changes", &page)
	for _, c := range page.Changes {
		if c.ProjectID != a.project {
			t.Fatalf("changes query leaked %+v", c)
		}
	}
}

func eventuallySubscribed(t *testing.T, env *testEnv) {
	eventually(t, "a hub subscriber", func() bool { return env.server.hub.Subscribers() > 0 })
}

// TestChangesSubscriptionFollowsTheCluster: a deployment scaled with
// client-go (not through BCS) arrives on a subscription; resubscribing with
// an old revision replays what came after it.
func TestChangesSubscriptionFollowsTheCluster(t *testing.T) {
	kc, _ := kubeClusters(t)
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	p := env.createProject(t, "Live", "live")
	var c struct{ ID string }
	env.do(t, `mutation($in: RegisterClusterInput!) { registerCluster(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"projectID": p.ID, "name": "live", "kubeconfig": string(kc.Kubeconfig)}}).field(t, "registerCluster", &c)

	ctx := context.Background()
	deployments := kc.Client.AppsV1().Deployments("default")
	name := "sub-" + strings.ToLower(time.Now().Format("150405"))
	if _, err := deployments.Create(ctx, deploymentObject(name, 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var head int
	eventually(t, "the deployment in the change log", func() bool {
		var page struct {
			Changes []changeView
			Head    int
		}
		env.do(t, `{ changes(since: 0, first: 1000, filter: {kinds: ["Deployment"]}) { changes { `+changeFields+` } head } }`, nil).field(t, "changes", &page)
		head = page.Head
		for _, ch := range page.Changes {
			if ch.Name == name {
				return true
			}
		}
		return false
	})

	stream := env.subscribe(t, `subscription($since: Int) { changes(filter: {kinds: ["Deployment"]}, since: $since) { `+changeFields+` } }`, map[string]any{"since": head})
	eventuallySubscribed(t, env)
	if _, err := deployments.UpdateScale(ctx, name, scaleTo(name, 3), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		ev := next(t, stream)
		var ch changeView
		_ = json.Unmarshal(ev.Data["changes"], &ch)
		if ch.Revision <= head {
			t.Fatalf("replayed revision %d not after since=%d", ch.Revision, head)
		}
		if ch.Name == name && ch.Type == "MODIFIED" {
			break
		}
	}

	// Replay from the start includes the ADDED.
	replay := env.subscribe(t, `subscription { changes(filter: {kinds: ["Deployment"]}, since: 0) { `+changeFields+` } }`, nil)
	prev := 0
	for {
		var ch changeView
		_ = json.Unmarshal(next(t, replay).Data["changes"], &ch)
		if ch.Revision <= prev {
			t.Fatalf("revisions out of order: %d after %d", ch.Revision, prev)
		}
		prev = ch.Revision
		if ch.Name == name && ch.Type == "ADDED" {
			break
		}
	}
}
