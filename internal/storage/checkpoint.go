package storage

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// checkpointInterval paces the background checkpointer: often enough that
// the WAL stays small (a few MB at full ingest), rarely enough to cost
// nothing when idle.
const checkpointInterval = time.Second

// checkpointEvery copies the WAL into the database file every interval
// with a PASSIVE checkpoint, which waits for no reader or writer, and so
// keeps checkpoint fsyncs off the commit path. It returns a stop function.
func checkpointEvery(db *sql.DB, interval time.Duration) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil && ctx.Err() == nil {
				slog.Warn("sqlite checkpoint", "err", err)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
