package storage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Commits never checkpoint (wal_autocheckpoint is 0 on every pooled
// connection), yet the background checkpointer moves what they wrote into
// the database file.
func TestSQLiteCheckpointsInTheBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bcs.db")
	db, err := Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var auto int
	if err := db.SQL.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("wal_autocheckpoint = %d (%v); want 0", auto, err)
	}
	if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE blobs (b TEXT)`); err != nil {
		t.Fatal(err)
	}
	row := strings.Repeat("x", 4096)
	for range 500 {
		if _, err := db.SQL.ExecContext(ctx, `INSERT INTO blobs VALUES (?)`, row); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 2<<20 { // the 2 MB written are in the database file
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: nothing checkpointed", st.Size())
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
}
