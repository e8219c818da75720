package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"

	entmigrate "github.com/bcs-io/bcs/ent/migrate"
)

// Migration is one versioned migration file.
type Migration struct {
	Version string // the file name's leading timestamp
	Name    string // the file name
	SQL     []byte
}

// Migrations returns the embedded migrations for a dialect, in order, after
// checking them against atlas.sum so an edited file is caught.
func Migrations(dial string) ([]Migration, error) {
	dir := path.Join("migrations", dirFor(dial))
	entries, err := fs.ReadDir(entmigrate.Files, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	mem := &migrate.MemDir{}
	var out []Migration
	for _, e := range entries {
		b, err := fs.ReadFile(entmigrate.Files, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := mem.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
		if strings.HasSuffix(e.Name(), ".sql") {
			v, _, _ := strings.Cut(e.Name(), "_")
			out = append(out, Migration{Version: strings.TrimSuffix(v, ".sql"), Name: e.Name(), SQL: b})
		}
	}
	if len(out) > 0 {
		if err := migrate.Validate(mem); err != nil {
			return nil, fmt.Errorf("migrations for %s do not match atlas.sum: %w", dial, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func dirFor(dial string) string {
	if dial == dialect.Postgres {
		return "postgres"
	}
	return "sqlite"
}

const revisionTable = "bcs_schema_revisions"

// Pending lists migrations not yet applied.
func (d *DB) Pending(ctx context.Context) ([]Migration, error) { return d.pending(ctx, d.SQL) }

// querier is a pool or one of its connections.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// pending reads the applied revisions through q: Migrate passes the
// connection it holds, as a pool of one (an in-memory SQLite database)
// has no second connection to give.
func (d *DB) pending(ctx context.Context, q querier) ([]Migration, error) {
	all, err := Migrations(d.Dialect)
	if err != nil {
		return nil, err
	}
	if _, err := q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+revisionTable+
		` (version VARCHAR(64) PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return nil, fmt.Errorf("create revision table: %w", err)
	}
	applied := map[string]string{}
	rows, err := q.QueryContext(ctx, `SELECT version, checksum FROM `+revisionTable)
	if err != nil {
		return nil, fmt.Errorf("read revisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v, sum string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, err
		}
		applied[v] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var pending []Migration
	for _, m := range all {
		sum, ok := applied[m.Version]
		if !ok {
			pending = append(pending, m)
			continue
		}
		if sum != checksum(m.SQL) {
			return nil, fmt.Errorf("migration %s was changed after it was applied", m.Name)
		}
	}
	return pending, nil
}

// Migrate applies pending migrations, each in its own transaction, and logs
// every one it applies. On PostgreSQL an advisory lock keeps two replicas
// starting together from migrating at once.
func (d *DB) Migrate(ctx context.Context, log *slog.Logger) ([]Migration, error) {
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d.Dialect == dialect.Postgres {
		const lockKey = 0x6263735f6d6967 // "bcs_mig"
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
			return nil, fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck
	}
	pending, err := d.pending(ctx, conn)
	if err != nil {
		return nil, err
	}
	for _, m := range pending {
		if err := d.apply(ctx, conn, m); err != nil {
			return nil, err
		}
		log.Info("applied migration", "dialect", d.Dialect, "version", m.Version, "file", m.Name)
	}
	return pending, nil
}

func (d *DB) apply(ctx context.Context, conn *sql.Conn, m Migration) error {
	stmts, err := migrate.NewLocalFile(m.Name, m.SQL).Stmts()
	if err != nil {
		return fmt.Errorf("parse migration %s: %w", m.Name, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	ins := `INSERT INTO ` + revisionTable + ` (version, name, checksum) VALUES (?, ?, ?)`
	if d.Dialect == dialect.Postgres {
		ins = `INSERT INTO ` + revisionTable + ` (version, name, checksum) VALUES ($1, $2, $3)`
	}
	if _, err := tx.ExecContext(ctx, ins, m.Version, m.Name, checksum(m.SQL)); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %s: %w", m.Name, err)
	}
	return nil
}

func checksum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
