package storage

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/bcs-io/bcs/ent/lease"
	"github.com/bcs-io/bcs/internal/auth"
)

// sqliteTime is the one shape SQLite time columns hold: UTC, SQLite's own
// format, the fraction trimmed of trailing zeros as Go writes it.
var sqliteTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])?\+00:00$`)

func openMigrated(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSQLiteTimesReadWithPlainSQL writes times from several zones and
// precisions through ent and reads them back with plain SQL: every value is
// in SQLite's format (its date functions understand it), and ORDER BY on
// the column orders by instant.
func TestSQLiteTimesReadWithPlainSQL(t *testing.T) {
	ctx := auth.System(context.Background())
	db := openMigrated(t)
	base := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	// In order of instant; the zones make their wall clocks disagree.
	times := []time.Time{
		base.In(time.FixedZone("CST", 8*3600)),                               // 18:00 wall clock
		base.Add(500 * time.Millisecond),                                     // fraction
		base.Add(time.Second + 123456789).In(time.FixedZone("EST", -5*3600)), // 05:00 wall clock
		base.Add(time.Hour),
		time.Now().Add(24 * time.Hour), // carries a monotonic reading
	}
	for i, at := range times {
		if err := db.Client.Lease.Create().SetName(fmt.Sprintf("l%d", i)).SetExpiresAt(at).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT name, CAST(expires_at AS TEXT), julianday(expires_at) IS NOT NULL FROM leases ORDER BY expires_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name, raw string
		var understood bool
		if err := rows.Scan(&name, &raw, &understood); err != nil {
			t.Fatal(err)
		}
		if !sqliteTime.MatchString(raw) || !understood {
			t.Errorf("%s stored as %q (SQLite reads it: %v), want UTC in SQLite's format", name, raw, understood)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != "l0 l1 l2 l3 l4" {
		t.Errorf("ORDER BY expires_at: %s, want l0 l1 l2 l3 l4", got)
	}
	// ent reads back the same instants to the nanosecond, and compares
	// them in SQL correctly.
	for i, at := range times {
		l, err := db.Client.Lease.Query().Where(lease.Name(fmt.Sprintf("l%d", i))).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !l.ExpiresAt.Equal(at) {
			t.Errorf("l%d reads back %v, want %v", i, l.ExpiresAt, at)
		}
	}
	n, err := db.Client.Lease.Query().Where(lease.ExpiresAtGT(times[1])).Count(ctx)
	if err != nil || n != 3 {
		t.Errorf("leases expiring after l1: %d (err %v), want 3", n, err)
	}
}

// TestMigrationRewritesGoTimeStrings builds a database as the previous
// release left it (migrations up to the time-format one, then rows whose
// every time column holds Go's time.String()), migrates, and finds each
// value rewritten to the same instant in the new format.
func TestMigrationRewritesGoTimeStrings(t *testing.T) {
	const rewrite = "20261206003000"
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := Migrations(dialect.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.pending(ctx, conn); err != nil { // creates the revision table
		t.Fatal(err)
	}
	for _, m := range all {
		if m.Version < rewrite {
			if err := db.apply(ctx, conn, m); err != nil {
				t.Fatal(err)
			}
		}
	}

	samples := []struct{ old, want string }{
		{"2026-12-05 23:48:56.66979099 +0000 UTC m=+0.029801062", "2026-12-05 23:48:56.66979099+00:00"},
		{"2026-12-05 23:48:56.5 +0800 CST", "2026-12-05 15:48:56.5+00:00"},
		{"2026-12-31 22:15:00 -0230 NST m=+3.5", "2027-01-01 00:45:00+00:00"},
		{"0001-01-01 00:00:00 +0000 UTC", "0001-01-01 00:00:00+00:00"},
	}
	type column struct{ table, name string }
	var times []column
	tables, err := tableNames(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	// Old rows need not be consistent with each other: foreign keys off.
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		cols, err := columnTypes(ctx, conn, table)
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(cols))
		values := make([]string, len(cols))
		for i, c := range cols {
			names[i] = "`" + c.name + "`"
			switch typ := strings.ToLower(c.typ); {
			case typ == "datetime":
				values[i] = "'" + samples[len(times)%len(samples)].old + "'"
				times = append(times, column{table, c.name})
			case strings.Contains(typ, "int") || typ == "bool" || typ == "real":
				values[i] = "1"
			case typ == "blob":
				values[i] = "X'00'"
			case typ == "json":
				values[i] = "'{}'"
			default:
				values[i] = "'x'"
			}
		}
		q := fmt.Sprintf("INSERT INTO `%s` (%s) VALUES (%s)", table, strings.Join(names, ", "), strings.Join(values, ", "))
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if len(times) < 30 {
		t.Fatalf("found %d time columns; the schema has more", len(times))
	}
	conn.Close()

	applied, err := db.Migrate(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0].Version != rewrite {
		t.Fatalf("applied %v, want the rewrite first", applied)
	}
	for i, c := range times {
		var got string
		if err := db.SQL.QueryRowContext(ctx, fmt.Sprintf("SELECT CAST(`%s` AS TEXT) FROM `%s`", c.name, c.table)).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := samples[i%len(samples)].want; got != want {
			t.Errorf("%s.%s = %q, want %q", c.table, c.name, got, want)
		}
	}
}

func tableNames(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != ? ORDER BY name`, revisionTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

type columnType struct{ name, typ string }

func columnTypes(ctx context.Context, q querier, table string) ([]columnType, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []columnType
	for rows.Next() {
		var c columnType
		if err := rows.Scan(&c.name, &c.typ); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// TestMigrateInMemory: an in-memory database lives on one connection,
// which Migrate holds while it reads what is pending.
func TestMigrateInMemory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := Open(ctx, "sqlite://:memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx, slog.New(slog.DiscardHandler))
	if err != nil || len(applied) == 0 {
		t.Fatalf("applied %d, err %v", len(applied), err)
	}
}
