package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/testenv/postgres"
)

// PostgreSQL stopped while an operation is talking to its cluster: the
// server stays up (a panic in any goroutine would end this test binary),
// and once the database is back the operation's outcome is recorded.
func TestOperationSurvivesTheDatabaseGoingAway(t *testing.T) {
	pgsrv := postgres.StartT(t)
	url, err := pgsrv.CreateDatabase(context.Background(), "fault")
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, url)

	// A cluster whose API server holds the operation's request until told.
	called, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/namespaces/fault") {
			once.Do(func() { close(called) })
			<-release
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
	}))
	defer api.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	kubeconfig := "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"" + api.URL + "\"}}]\n" +
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"
	p := env.createProject(t, "Faults", "faults")
	id := gid.New("cls")
	sealed, err := env.server.cfg.Secrets.Seal(string(id), []byte(kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	env.db.Client.Cluster.Create().SetID(id).SetProjectID(ID(p.ID)).SetName("fake").SetKind(cluster.KindK8S).
		SetStatus(cluster.StatusNORMAL).SetCredentials(sealed).SaveX(system())

	var op operationView
	env.do(t, `mutation($cid: ID!) { applyNamespace(input: {clusterID: $cid, name: "fault"}) { id status } }`,
		map[string]any{"cid": id}).field(t, "applyNamespace", &op)
	<-called
	if err := pgsrv.Stop(); err != nil {
		t.Fatal(err)
	}
	close(release) // the cluster answers while the database is down
	ready := func() int {
		res, err := http.Get(env.srv.URL + "/readyz")
		if err != nil {
			t.Fatalf("the server is gone: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	eventually(t, "readiness to report the database down", func() bool { return ready() == http.StatusServiceUnavailable })
	if res, err := http.Get(env.srv.URL + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz while the database is down: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := pgsrv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the server ready again", func() bool { return ready() == http.StatusOK })
	got := env.waitOperation(t, op.ID)
	if got.Status != "FAILED" || !strings.Contains(got.Reason+got.Message, "NotFound") {
		t.Fatalf("outcome after the database came back: %+v", got)
	}
}
