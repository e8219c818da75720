package changelog_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/storage"
)

func TestMain(m *testing.M) { os.Exit(dwtest.Main(m)) }

var quiet = slog.New(slog.DiscardHandler)

func pod(cluster gid.ID, ns, name string, v int) changelog.Event {
	return changelog.Event{
		ClusterID: cluster, Kind: "Pod", Namespace: ns, Name: name, Type: changelog.Modified,
		Object:          map[string]any{"metadata": map[string]any{"name": name, "namespace": ns}, "status": map[string]any{"v": v}},
		ResourceVersion: fmt.Sprint(v),
		Row:             &changelog.PodRow{Phase: "Running", Restarts: v, NodeName: "node-1", Images: []string{"nginx"}},
	}
}

func gone(cluster gid.ID, kind, ns, name string) changelog.Event {
	return changelog.Event{ClusterID: cluster, Kind: kind, Namespace: ns, Name: name, Type: changelog.Deleted}
}

// startWriter runs a writer until the test ends.
func startWriter(t testing.TB, db *storage.DB, cfg changelog.Config) *changelog.Writer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	w := changelog.NewWriter(db, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("writer: %v", err)
		}
	})
	return w
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var all = changelog.Filter{AllProjects: true}

// listAll reads the whole retained log.
func listAll(t testing.TB, log *changelog.Log, since int64, f changelog.Filter) []*ent.Change {
	t.Helper()
	var out []*ent.Change
	for {
		page, covered, err := log.Page(ctxT(t), since, f, changelog.MaxPage)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < changelog.MaxPage {
			return out
		}
		since = covered
	}
}

// summary renders changes as "rev type kind ns/name" lines for comparison.
func summary(cs []*ent.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%d %s %s %s/%s", c.Revision, c.Type, c.Kind, c.Namespace, c.Name)
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func count(t testing.TB, db *storage.DB, query string) int {
	t.Helper()
	var n int
	must(t, db.SQL.QueryRowContext(context.Background(), query).Scan(&n))
	return n
}
