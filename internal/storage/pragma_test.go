package storage

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestSQLiteConnectionsBoundTheirPageCache holds several pool connections
// at once (each is a SQLite connection with a page cache of its own) and
// checks every one has the bounded cache, and that durability settings
// are what they were: WAL, synchronous NORMAL.
func TestSQLiteConnectionsBoundTheirPageCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 4 {
		c, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var cache, sync int
		var journal string
		if err := c.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if cache != -sqliteCacheKiB {
			t.Errorf("connection %d: cache_size %d, want %d (KiB)", len(conns), cache, -sqliteCacheKiB)
		}
		if sync != 1 || journal != "wal" {
			t.Errorf("connection %d: synchronous %d journal_mode %q, want 1 (NORMAL) and wal", len(conns), sync, journal)
		}
	}
}
