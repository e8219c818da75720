package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/storage"
)

// The nested page query of issue 14, in BCS's schema and in PostGraphile's
// default (amber preset) schema over the same tables.
const (
	peerQueryBCS = `{ projects(first: 50) { totalCount edges { node { id name members { edges { node { role user { name } } } } } } } }`
	peerQueryPGL = `{ allProjects(first: 50) { totalCount edges { node { id name membersByProjectId { edges { node { role userByUserId { name } } } } } } } }`
)

// BenchmarkPeerProjectsFirst50 serves the nested page query from BCS and
// from PostGraphile 5 over the same PostgreSQL database (10,000 projects with
// two members each, seeded through BCS's own tables), and from BCS over an
// identically seeded SQLite file, in the same run. Each phase is a load
// generator in a child process with PEER_CONCURRENCY clients (default 4,16)
// for PEER_SECONDS (default 5) that sends each request with the next of
// PEER_TOKENS (default 200) distinct admins' tokens; phases rotate order each
// of PEER_ROUNDS (default 3) rounds. CPU per request is each server process's
// CPU time over the phase divided by its requests; BCS runs in this process
// (so -cpuprofile profiles only BCS), PostGraphile is Node 22 from
// `make postgraphile`. Run with -benchtime 1x.
func BenchmarkPeerProjectsFirst50(b *testing.B) {
	seconds := peerEnvInt("PEER_SECONDS", 5)
	rounds := peerEnvInt("PEER_ROUNDS", 3)
	nTokens := peerEnvInt("PEER_TOKENS", 200)
	var levels []int
	for _, s := range strings.Split(peerEnvStr("PEER_CONCURRENCY", "4,16"), ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 {
			b.Fatalf("PEER_CONCURRENCY: %q", s)
		}
		levels = append(levels, c)
	}
	ctx := context.Background()
	dir := b.TempDir()

	pgURL, err := pg.CreateDatabase(ctx, fmt.Sprintf("peer%d", dbSeq.Add(1)))
	if err != nil {
		b.Fatal(err)
	}
	onPG, pgTokens := peerSeed(b, pgURL, nTokens, filepath.Join(dir, "pg-tokens"))
	onSQLite, liteTokens := peerSeed(b, "sqlite://"+filepath.Join(dir, "bcs.db"), nTokens, filepath.Join(dir, "sqlite-tokens"))

	pgl, err := startPostGraphile(pgURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pgl.stop()
	dbCPU, err := newPostgresCPU(ctx, pgURL)
	if err != nil {
		b.Fatal(err)
	}

	targets := []*peerTarget{
		{name: "bcs-postgres", url: peerServe(b, onPG) + "/query", body: peerBody(peerQueryBCS), tokens: pgTokens, cpu: cpuTime, db: dbCPU.cpu},
		{name: "postgraphile", url: pgl.url, body: peerBody(peerQueryPGL), tokens: pgTokens, cpu: pgl.cpu, db: dbCPU.cpu},
		{name: "bcs-sqlite", url: peerServe(b, onSQLite) + "/query", body: peerBody(peerQueryBCS), tokens: liteTokens, cpu: cpuTime},
	}
	peerSameRows(b, targets[0], targets[1])

	// Warm each server (Node's JIT, pools, caches) before measuring.
	for _, t := range targets {
		if _, err := runPeerLoad(peerLoad{URL: t.url, Body: t.body, TokensFile: t.tokens, Concurrency: 4,
			Duration: 2 * time.Second, MaxRequests: 1 << 40}); err != nil {
			b.Fatalf("%s: %v", t.name, err)
		}
	}
	b.ResetTimer()
	for r := range rounds {
		for _, c := range levels {
			for i := range targets {
				t := targets[(i+r)%len(targets)]
				s, err := t.measure(c, time.Duration(seconds)*time.Second)
				if err != nil {
					b.Fatalf("%s c=%d: %v", t.name, c, err)
				}
				t.samples = append(t.samples, s)
			}
		}
	}
	b.StopTimer()
	printPeer(levels, targets)
	for _, c := range levels {
		bcs, peer := targets[0].median(c), targets[1].median(c)
		b.ReportMetric(bcs.rps/peer.rps, fmt.Sprintf("x-throughput-c%d", c))
		b.ReportMetric(bcs.cpuPerReq.Seconds()/peer.cpuPerReq.Seconds(), fmt.Sprintf("x-cpu/req-c%d", c))
		b.ReportMetric(bcs.rps, fmt.Sprintf("bcs-req/s-c%d", c))
		b.ReportMetric(peer.rps, fmt.Sprintf("pgl-req/s-c%d", c))
		b.ReportMetric(targets[2].median(c).rps, fmt.Sprintf("sqlite-req/s-c%d", c))
	}
}

type peerTarget struct {
	name, url, body, tokens string
	cpu, db                 func() time.Duration
	samples                 []peerSample
}

type peerSample struct {
	c                   int
	rps                 float64
	p50, p99            time.Duration
	cpuPerReq, dbPerReq time.Duration
}

func (t *peerTarget) measure(c int, d time.Duration) (peerSample, error) {
	cpu0, db0 := t.cpu(), t.dbCPU()
	res, err := runPeerLoad(peerLoad{URL: t.url, Body: t.body, TokensFile: t.tokens, Concurrency: c, Duration: d, MaxRequests: 1 << 40})
	if err != nil {
		return peerSample{}, err
	}
	cpu, db := t.cpu()-cpu0, t.dbCPU()-db0
	n := time.Duration(max(res.Requests, 1))
	return peerSample{c: c, rps: res.perSecond(), p50: res.P50, p99: res.P99, cpuPerReq: cpu / n, dbPerReq: db / n}, nil
}

func (t *peerTarget) dbCPU() time.Duration {
	if t.db == nil {
		return 0
	}
	return t.db()
}

// median is the sample with the median throughput at concurrency c.
func (t *peerTarget) median(c int) peerSample {
	var at []peerSample
	for _, s := range t.samples {
		if s.c == c {
			at = append(at, s)
		}
	}
	slices.SortFunc(at, func(a, b peerSample) int { return int(a.rps - b.rps) })
	return at[len(at)/2]
}

func printPeer(levels []int, targets []*peerTarget) {
	fmt.Printf("\n%-14s %3s %9s %8s %8s %10s %10s   (median of %d rounds)\n", "server", "c", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "DB ms/req", len(targets[0].samples)/len(levels))
	for _, c := range levels {
		for _, t := range targets {
			s := t.median(c)
			db := "in-process"
			if t.db != nil {
				db = fmt.Sprintf("%.2f", millis(s.dbPerReq))
			}
			fmt.Printf("%-14s %3d %9.1f %8.1f %8.1f %10.2f %10s\n", t.name, c, s.rps, millis(s.p50), millis(s.p99), millis(s.cpuPerReq), db)
		}
		bcs, peer := targets[0].median(c), targets[1].median(c)
		fmt.Printf("c=%d: BCS/PostGraphile throughput %.2fx, CPU per request %.2fx\n", c, bcs.rps/peer.rps, millis(bcs.cpuPerReq)/millis(peer.cpuPerReq))
	}
	for _, t := range targets {
		fmt.Printf("%s rounds:", t.name)
		for _, s := range t.samples {
			fmt.Printf(" c%d=%.0f", s.c, s.rps)
		}
		fmt.Println()
	}
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peerSeed migrates and seeds a database as BenchmarkProjectsFirst50 does and
// writes n distinct admins' tokens to tokensFile.
func peerSeed(b *testing.B, url string, n int, tokensFile string) (*storage.DB, string) {
	ctx := auth.System(context.Background())
	db, err := storage.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	if err := seedBench(ctx, db.Client); err != nil {
		b.Fatal(err)
	}
	// Plan with statistics, as a live database would: right after a bulk
	// load PostgreSQL has none until autovacuum's next round, and scans
	// members instead of using its (project_id, user_id) index.
	if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	var tokens []string
	for i := range n {
		tok, err := auth.Bootstrap(ctx, db.Client, fmt.Sprintf("peer-admin-%03d", i), true, "bench", 0)
		if err != nil {
			b.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	if err := os.WriteFile(tokensFile, []byte(strings.Join(tokens, "\n")), 0o600); err != nil {
		b.Fatal(err)
	}
	return db, tokensFile
}

// peerServe serves BCS as `bcs serve` would (default limits, rate limits
// included) on loopback.
func peerServe(b *testing.B, db *storage.DB) string {
	cfg := DefaultConfig
	cfg.Secrets = testBox(b)
	s := New(db, slog.New(slog.DiscardHandler), cfg)
	s.Start()
	srv := httptest.NewServer(s)
	b.Cleanup(func() { srv.Close(); s.Close() })
	return srv.URL
}

func peerBody(query string) string {
	raw, _ := json.Marshal(map[string]string{"query": query})
	return string(raw)
}

// peerSameRows checks that BCS and PostGraphile answer the same projects with
// the same members, so both do the same work.
func peerSameRows(b *testing.B, bcs, peer *peerTarget) {
	rows := func(t *peerTarget, list, members, user string) []string {
		tok, _ := os.ReadFile(t.tokens)
		raw, err := peerFetch(t.url, strings.Fields(string(tok))[0], t.body)
		if err != nil {
			b.Fatalf("%s: %v", t.name, err)
		}
		var res struct {
			Data map[string]struct {
				TotalCount int `json:"totalCount"`
				Edges      []struct {
					Node map[string]json.RawMessage `json:"node"`
				} `json:"edges"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			b.Fatalf("%s: %v: %s", t.name, err, raw)
		}
		conn := res.Data[list]
		out := []string{fmt.Sprint("total ", conn.TotalCount)}
		for _, e := range conn.Edges {
			var name string
			_ = json.Unmarshal(e.Node["name"], &name)
			var ms struct {
				Edges []struct {
					Node map[string]json.RawMessage `json:"node"`
				} `json:"edges"`
			}
			_ = json.Unmarshal(e.Node[members], &ms)
			var users []string
			for _, m := range ms.Edges {
				var role string
				var u struct{ Name string }
				_ = json.Unmarshal(m.Node["role"], &role)
				_ = json.Unmarshal(m.Node[user], &u)
				users = append(users, role+" "+u.Name)
			}
			slices.Sort(users)
			out = append(out, name+": "+strings.Join(users, ", "))
		}
		return out
	}
	a := rows(bcs, "projects", "members", "user")
	p := rows(peer, "allProjects", "membersByProjectId", "userByUserId")
	if len(a) != 51 || !slices.Equal(a, p) {
		b.Fatalf("BCS and PostGraphile answer different rows:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(p, "\n"))
	}
}

func peerEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func peerEnvStr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
