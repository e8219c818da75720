package storage

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	entmigrate "github.com/bcs-io/bcs/ent/migrate"
	"github.com/bcs-io/bcs/internal/testenv/postgres"
)

// TestMigrationsMatchSchema fails when ent/schema changed without a new
// migration (make migration NAME=…), on both dialects.
func TestMigrationsMatchSchema(t *testing.T) {
	ctx := context.Background()
	pg := postgres.StartT(t)
	pgURL, err := pg.CreateDatabase(ctx, "schema_check")
	if err != nil {
		t.Fatal(err)
	}
	for name, url := range map[string]string{
		"sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "bcs.db"),
		"postgres": pgURL,
	} {
		t.Run(name, func(t *testing.T) {
			db, err := Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			applied, err := db.Migrate(ctx, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) == 0 {
				t.Fatal("no migrations applied to an empty database")
			}
			var plan bytes.Buffer
			if err := entmigrate.NewSchema(db.Driver).WriteTo(ctx, &plan); err != nil {
				t.Fatal(err)
			}
			if stmts := changes(plan.String()); len(stmts) > 0 {
				t.Fatalf("ent/schema differs from the migrations; run make migration NAME=…:\n%s", strings.Join(stmts, "\n"))
			}
			again, err := db.Migrate(ctx, slog.New(slog.DiscardHandler))
			if err != nil || len(again) != 0 {
				t.Fatalf("second Migrate applied %d, err %v", len(again), err)
			}
		})
	}
}

func changes(plan string) []string {
	var out []string
	for _, line := range strings.Split(plan, "\n") {
		l := strings.TrimSpace(line)
		if l == "" || l == "BEGIN;" || l == "COMMIT;" || strings.HasPrefix(l, "--") {
			continue
		}
		out = append(out, l)
	}
	return out
}

func TestOpenRejectsUnknownSchemes(t *testing.T) {
	for _, url := range []string{"mysql://x", "bcs.db", "sqlite://"} {
		if _, err := Open(context.Background(), url); err == nil {
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}
