// Package storage opens BCS's database — embedded SQLite by default,
// PostgreSQL in production — and applies the versioned migrations under
// ent/migrate/migrations.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/bcs-io/bcs/ent"
	_ "github.com/bcs-io/bcs/ent/runtime" // hooks, policies and defaults
)

// DB is an open database with its ent client.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string // dialect.SQLite or dialect.Postgres
	Driver  *entsql.Driver

	stopCheckpoints func() // SQLite files: ends the background checkpointer
}

// Open connects to the database named by rawURL: sqlite://PATH (PATH may be
// :memory:) or postgres://… (postgresql:// too). It does not migrate.
func Open(ctx context.Context, rawURL string, opts ...ent.Option) (*DB, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("database URL %q: want sqlite://PATH or postgres://…", rawURL)
	}
	var (
		db   *sql.DB
		dial string
		err  error
	)
	switch scheme {
	case "sqlite", "sqlite3":
		dial = dialect.SQLite
		db, err = openSQLite(rest)
	case "postgres", "postgresql":
		dial = dialect.Postgres
		db, err = sql.Open("pgx", rawURL)
		if err == nil {
			db.SetMaxOpenConns(32)
			db.SetMaxIdleConns(16)
			db.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		return nil, fmt.Errorf("database URL scheme %q: want sqlite or postgres", scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", scheme, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", scheme, err)
	}
	drv := entsql.OpenDB(dial, db)
	opts = append([]ent.Option{ent.Driver(drv)}, opts...)
	d := &DB{Client: ent.NewClient(opts...), SQL: db, Dialect: dial, Driver: drv}
	if dial == dialect.SQLite && rest != ":memory:" {
		d.stopCheckpoints = checkpointEvery(db, checkpointInterval)
	}
	return d, nil
}

// openSQLite opens a SQLite file with WAL, foreign keys and a busy timeout.
// One writer at a time is SQLite's rule; a single pooled connection for
// writes would serialise reads too, so the pool is shared and the busy
// timeout absorbs writer contention.
//
// Times are written in UTC as "2006-01-02 15:04:05.999999999+00:00"
// (SQLite's own time format with nanoseconds, which its date functions and
// other tools read): the driver's default is Go's time.String(), monotonic
// clock suffix included, which nothing else parses and which does not sort
// by instant. With one offset for every row, text order is time order.
func openSQLite(path string) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite URL needs a path, e.g. sqlite://bcs.db")
	}
	q := url.Values{"_time_format": {"sqlite"}, "_timezone": {"UTC"}}
	for _, p := range []string{"foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + path
	if path == ":memory:" {
		// A shared in-memory database must live on one connection.
		dsn = "file::memory:?cache=shared&" + q.Encode()
		db, err := sql.Open("sqlite", dsn)
		if err == nil {
			db.SetMaxOpenConns(1)
		}
		return db, err
	}
	q.Add("_pragma", "journal_mode(WAL)")
	// Checkpoints run in the background (checkpoint.go), not inside
	// whichever commit crosses the WAL threshold: that commit would wait
	// for the database file's fsync, and with it every change behind it.
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Set("_txlock", "immediate")
	// Each pooled connection keeps a page cache of its own (SQLite's
	// default 2 MB). BCS's queries read a few pages each (pages of 50,
	// rows by key, the change log's tail), so most of a full cache is pages
	// a scan once read, held per connection in the process's memory while
	// the kernel's page cache holds the same file already.
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", sqliteCacheKiB))
	db, err := sql.Open("sqlite", dsn+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	return db, nil
}

// sqliteCacheKiB bounds each SQLite connection's page cache (see
// openSQLite): at most 4 MiB for a full pool instead of 16.
const sqliteCacheKiB = 512

// Close closes the client and the pool.
func (d *DB) Close() error {
	if d.stopCheckpoints != nil {
		d.stopCheckpoints()
	}
	return d.Client.Close()
}

// Ping reports whether the database answers, for readiness checks.
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }
