// Package dwtest opens real databases for datawatch's tests and benchmarks:
// a SQLite file per test, and a database per test on one PostgreSQL server
// per test binary (started on first use, stopped by Main).
package dwtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/testenv/postgres"
	"github.com/bcs-io/bcs/internal/testenv/testlog"
)

var (
	pgOnce sync.Once
	pgSrv  *postgres.Server
	pgDir  string
	pgErr  error
	dbSeq  atomic.Int64
)

// Main runs the tests and stops the PostgreSQL server if one was started.
// Use it as TestMain's body: os.Exit(dwtest.Main(m)).
func Main(m *testing.M) int {
	code := testlog.Run(m)
	if pgSrv != nil {
		_ = pgSrv.Stop()
		_ = os.RemoveAll(pgDir)
	}
	return code
}

// PostgresURL creates a fresh database on the shared server and returns its
// URL (not yet migrated).
func PostgresURL(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() {
		pgDir, pgErr = os.MkdirTemp("", "bcs-datawatch-pg-")
		if pgErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pgSrv, pgErr = postgres.Start(ctx, pgDir)
	})
	if pgErr != nil {
		t.Fatalf("start postgres: %v", pgErr)
	}
	url, err := pgSrv.CreateDatabase(context.Background(), fmt.Sprintf("dw%d_%d", os.Getpid(), dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// SQLiteURL returns the URL of a fresh SQLite file in the test's temp dir.
func SQLiteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "bcs.db")
}

// Open opens and migrates url, closing it when the test ends. Opening the
// same URL twice gives two independent handles, as two replicas have.
func Open(t testing.TB, url string) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return db
}

// Backends runs fn against a fresh SQLite and a fresh PostgreSQL database;
// fn gets the URL so it can open more handles on the same database.
func Backends(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresURL(t)) })
}

var seq atomic.Int64

// Cluster inserts a project and a Kubernetes cluster in it and returns their IDs.
func Cluster(t testing.TB, db *storage.DB) (project, cluster gid.ID) {
	t.Helper()
	ctx := context.Background()
	project, cluster = gid.New("prj"), gid.New("cls")
	n := seq.Add(1)
	now := time.Now().UTC().Round(0)
	q := func(s string) string {
		if db.Dialect != dialect.Postgres {
			return s
		}
		out, k := []byte{}, 0
		for i := 0; i < len(s); i++ {
			if s[i] == '?' {
				k++
				out = append(out, fmt.Sprintf("$%d", k)...)
				continue
			}
			out = append(out, s[i])
		}
		return string(out)
	}
	if _, err := db.SQL.ExecContext(ctx, q(`INSERT INTO projects (id, created_at, updated_at, name, code) VALUES (?, ?, ?, ?, ?)`),
		project, now, now, fmt.Sprintf("project-%d-%s", n, project), fmt.Sprintf("p%d", n)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, q(`INSERT INTO clusters (id, created_at, updated_at, name, kind, project_id) VALUES (?, ?, ?, ?, 'K8S', ?)`),
		cluster, now, now, fmt.Sprintf("cluster-%d", n), project); err != nil {
		t.Fatal(err)
	}
	return project, cluster
}
