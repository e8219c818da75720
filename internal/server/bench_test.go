package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/resolvers"
)

const benchProjects = 10000

var benchOnce struct {
	sync.Once
	db            *storage.DB
	admin, member string
	err           error
}

// benchDB seeds one SQLite database with 10k projects, each with two
// members; "member" belongs to the first 100 projects as a viewer.
func benchDB(b *testing.B) (*storage.DB, string, string) {
	benchOnce.Do(func() {
		ctx := auth.System(context.Background())
		dir, err := tempDir()
		if err != nil {
			benchOnce.err = err
			return
		}
		db, err := storage.Open(ctx, "sqlite://"+filepath.Join(dir, "bench.db"))
		if err != nil {
			benchOnce.err = err
			return
		}
		if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
			benchOnce.err = err
			return
		}
		benchOnce.err = seedBench(ctx, db.Client)
		benchOnce.db = db
		benchOnce.admin, _ = auth.Bootstrap(ctx, db.Client, "bench-admin", true, "b", 0)
		benchOnce.member, _ = auth.Bootstrap(ctx, db.Client, "bench-member", false, "b", 0)
	})
	if benchOnce.err != nil {
		b.Fatal(benchOnce.err)
	}
	return benchOnce.db, benchOnce.admin, benchOnce.member
}

func seedBench(ctx context.Context, c *ent.Client) error {
	users := make([]*ent.User, 2)
	for i := range users {
		users[i] = c.User.Create().SetName(fmt.Sprintf("seed-user-%d", i)).SaveX(ctx)
	}
	viewer := c.User.Create().SetName("bench-member").SaveX(ctx)
	for start := 0; start < benchProjects; start += 1000 {
		var ps []*ent.ProjectCreate
		for i := start; i < start+1000; i++ {
			ps = append(ps, c.Project.Create().SetName(fmt.Sprintf("project %05d", i)).SetCode(fmt.Sprintf("p%05d", i)))
		}
		projects, err := c.Project.CreateBulk(ps...).Save(ctx)
		if err != nil {
			return err
		}
		var ms []*ent.MemberCreate
		for i, p := range projects {
			for _, u := range users {
				ms = append(ms, c.Member.Create().SetProjectID(p.ID).SetUserID(u.ID).SetRole(member.RoleOWNER))
			}
			if start+i < 100 {
				ms = append(ms, c.Member.Create().SetProjectID(p.ID).SetUserID(viewer.ID).SetRole(member.RoleVIEWER))
			}
		}
		if err := c.Member.CreateBulk(ms...).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

const projectsQuery = `{"query":"{ projects(first: 50) { edges { node { id name members { edges { node { role user { name } } } } } } } }"}`

// BenchmarkProjectsFirst50 serves projects(first: 50) with members over
// loopback HTTP, as an admin (no filters) and as a member (privacy filters
// on), beside the framework floor: gqlgen answering { __typename }.
func BenchmarkProjectsFirst50(b *testing.B) {
	db, admin, member := benchDB(b)
	cfg := DefaultConfig
	cfg.RatePerSecond = 0
	cfg.Secrets = testBox(b)
	s := New(db, slog.New(slog.DiscardHandler), cfg)
	s.Start()
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	floor := handler.New(resolvers.NewSchema(&resolvers.Resolver{Client: db.Client}))
	floor.AddTransport(gqltransport.POST{})
	floorSrv := httptest.NewServer(floor)
	defer floorSrv.Close()

	b.Run("floor-typename", func(b *testing.B) { load(b, floorSrv.URL, "", `{"query":"{ __typename }"}`) })
	b.Run("admin", func(b *testing.B) { load(b, srv.URL+"/query", admin, projectsQuery) })
	b.Run("member-privacy", func(b *testing.B) { load(b, srv.URL+"/query", member, projectsQuery) })
}

// load runs b.N requests from parallel clients and reports throughput and
// latency percentiles.
func load(b *testing.B, url, token, body string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if n := len(lat); n > 0 {
		b.ReportMetric(float64(n)/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
	}
}
