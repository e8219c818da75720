// Command migrategen writes a new versioned migration for each dialect from
// the difference between ent/schema and the migrations already committed.
// SQLite diffs against an in-memory database; PostgreSQL against a
// throwaway server started from the machine's binaries.
//
// Usage (from the repository root): go run ./internal/storage/migrategen NAME
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"

	entmigrate "github.com/bcs-io/bcs/ent/migrate"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/testenv/postgres"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: migrategen NAME")
	}
	name := os.Args[1]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	if err := diff(ctx, "sqlite://:memory:", dialect.SQLite, name); err != nil {
		log.Fatalf("sqlite: %v", err)
	}
	tmp, err := os.MkdirTemp("", "bcs-migrategen-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	pg, err := postgres.Start(ctx, tmp)
	if err != nil {
		log.Fatalf("start postgres: %v", err)
	}
	defer pg.Stop() //nolint:errcheck
	url, err := pg.CreateDatabase(ctx, "dev")
	if err != nil {
		log.Fatal(err)
	}
	if err := diff(ctx, url, dialect.Postgres, name); err != nil {
		log.Fatalf("postgres: %v", err)
	}
}

func diff(ctx context.Context, url, dial, name string) error {
	db, err := storage.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	sub := "sqlite"
	if dial == dialect.Postgres {
		sub = "postgres"
	}
	path := filepath.Join("ent", "migrate", "migrations", sub)
	if err := os.MkdirAll(path, 0o755); err != nil {
		return err
	}
	dir, err := atlas.NewLocalDir(path)
	if err != nil {
		return err
	}
	err = entmigrate.NewSchema(db.Driver).NamedDiff(ctx, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dial),
		schema.WithFormatter(atlas.DefaultFormatter),
		schema.WithDropIndex(true),
		schema.WithDropColumn(true),
	)
	if err != nil {
		return fmt.Errorf("diff: %w", err)
	}
	fmt.Println("migrations up to date in", path)
	return nil
}
