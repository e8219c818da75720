package changelog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/change"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/storage"
)

// ErrRevisionCompacted means a `since` is older than the retained log: some
// change after it is gone. The client must re-list and continue from the
// revision of its listing (Log.Head).
var ErrRevisionCompacted = errors.New("revision compacted")

// ErrFutureRevision means a `since` is beyond the newest revision: it does
// not come from this database. The client must re-list.
var ErrFutureRevision = errors.New("revision is newer than the change log")

// Filter selects Changes. Within a field any value matches; all fields must
// match. An empty field matches everything, except ProjectIDs: tenancy is
// never implied, so it must list the caller's projects or AllProjects must
// be set (by BCS's own readers only).
type Filter struct {
	ProjectIDs  []gid.ID
	AllProjects bool
	ClusterIDs  []gid.ID
	Namespaces  []string
	Kinds       []string
}

// Match reports whether c passes the filter.
func (f *Filter) Match(c *ent.Change) bool {
	return (f.AllProjects || slices.Contains(f.ProjectIDs, c.ProjectID)) &&
		(len(f.ClusterIDs) == 0 || slices.Contains(f.ClusterIDs, c.ClusterID)) &&
		(len(f.Namespaces) == 0 || slices.Contains(f.Namespaces, c.Namespace)) &&
		(len(f.Kinds) == 0 || slices.Contains(f.Kinds, c.Kind))
}

// where renders the filter as SQL conditions with ? placeholders.
func (f *Filter) where() (string, []any) {
	var (
		conds []string
		args  []any
	)
	in := func(col string, n int, add func(i int) any) {
		conds = append(conds, col+" IN ("+placeholders(n)+")")
		for i := range n {
			args = append(args, add(i))
		}
	}
	if !f.AllProjects {
		if len(f.ProjectIDs) == 0 {
			return "1 = 0", nil
		}
		in("project_id", len(f.ProjectIDs), func(i int) any { return f.ProjectIDs[i] })
	}
	if len(f.ClusterIDs) > 0 {
		in("cluster_id", len(f.ClusterIDs), func(i int) any { return f.ClusterIDs[i] })
	}
	if len(f.Namespaces) > 0 {
		in("namespace", len(f.Namespaces), func(i int) any { return f.Namespaces[i] })
	}
	if len(f.Kinds) > 0 {
		in("kind", len(f.Kinds), func(i int) any { return f.Kinds[i] })
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

// Log reads and compacts the change log. It is safe for concurrent use.
type Log struct {
	db *storage.DB
	d  dialectSQL
}

// NewLog returns a Log on db.
func NewLog(db *storage.DB) *Log { return &Log{db: db, d: dialectSQL(db.Dialect)} }

// Head returns the newest revision, 0 for an empty log. A client that lists
// state after reading Head and subscribes with since = Head misses nothing.
func (l *Log) Head(ctx context.Context) (int64, error) {
	var head sql.NullInt64
	if err := l.db.SQL.QueryRowContext(ctx, `SELECT MAX(revision) FROM changes`).Scan(&head); err != nil {
		return 0, fmt.Errorf("read head revision: %w", err)
	}
	return head.Int64, nil
}

// Oldest returns the oldest revision r such that every revision from r to
// the head is retained (0 for an empty log): any since >= r-1 is servable.
// It walks down the newest contiguous run, so it costs in proportion to it.
func (l *Log) Oldest(ctx context.Context) (int64, error) {
	var r sql.NullInt64
	err := l.db.SQL.QueryRowContext(ctx, `SELECT c.revision FROM changes c
		WHERE NOT EXISTS (SELECT 1 FROM changes p WHERE p.revision = c.revision - 1)
		ORDER BY c.revision DESC LIMIT 1`).Scan(&r)
	if err != nil && err != sql.ErrNoRows {
		return 0, fmt.Errorf("read oldest revision: %w", err)
	}
	return r.Int64, nil
}

// MaxPage bounds List's first.
const MaxPage = 5000

// List returns up to first Changes after since that match filter, in
// revision order. It fails with ErrRevisionCompacted if a change after since
// is no longer retained (even one the filter would skip: the client cannot
// know), and with ErrFutureRevision for a since beyond the head.
func (l *Log) List(ctx context.Context, since int64, filter Filter, first int) ([]*ent.Change, error) {
	out, _, err := l.Page(ctx, since, filter, first)
	return out, err
}

// Page is List that also reports how far the answer covers: every matching
// Change in (since, covered] is in the page, so the next page starts after
// covered (which may be beyond the last returned Change).
func (l *Log) Page(ctx context.Context, since int64, filter Filter, first int) (changes []*ent.Change, covered int64, err error) {
	if first <= 0 || first > MaxPage {
		first = min(max(first, 100), MaxPage)
	}
	head, err := l.Head(ctx)
	if err != nil {
		return nil, 0, err
	}
	if since > head {
		return nil, 0, fmt.Errorf("%w: since %d, head %d; re-list", ErrFutureRevision, since, head)
	}
	if since < 0 {
		since = 0
	}
	where, args := filter.where()
	q := `SELECT id, revision, cluster_id, project_id, kind, namespace, name, object_id, type, object, created_at
		FROM changes WHERE revision > ? AND revision <= ? AND ` + where + ` ORDER BY revision LIMIT ?`
	rows, err := l.db.SQL.QueryContext(ctx, l.d.q(q), append(append([]any{since, head}, args...), first)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list changes: %w", err)
	}
	changes, err = scanChanges(rows)
	if err != nil {
		return nil, 0, err
	}
	covered = head
	if len(changes) == first {
		covered = changes[len(changes)-1].Revision
	}
	// Checked after reading, so a compaction racing the read is caught
	// (at worst reported although the page was complete).
	if err := l.contiguous(ctx, since, covered); err != nil {
		return nil, 0, err
	}
	return changes, covered, nil
}

// contiguous fails with ErrRevisionCompacted unless every revision in
// (from, to] is present. Revisions are gap-free, so a missing one was
// compacted.
func (l *Log) contiguous(ctx context.Context, from, to int64) error {
	if to <= from {
		return nil
	}
	var n int64
	if err := l.db.SQL.QueryRowContext(ctx, l.d.q(`SELECT COUNT(*) FROM changes WHERE revision > ? AND revision <= ?`), from, to).Scan(&n); err != nil {
		return fmt.Errorf("check retention: %w", err)
	}
	if n == to-from {
		return nil
	}
	oldest, err := l.Oldest(ctx)
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: since %d is older than the oldest retained revision %d; re-list and resubscribe from the listing's revision", ErrRevisionCompacted, from, oldest)
}

func scanChanges(rows *sql.Rows) ([]*ent.Change, error) {
	defer rows.Close()
	var out []*ent.Change
	for rows.Next() {
		var (
			c        ent.Change
			objectID sql.NullString
			typ      string
			object   []byte
		)
		if err := rows.Scan(&c.ID, &c.Revision, &c.ClusterID, &c.ProjectID, &c.Kind, &c.Namespace, &c.Name,
			&objectID, &typ, &object, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan change: %w", err)
		}
		c.ObjectID = gid.ID(objectID.String)
		c.Type = change.Type(typ)
		if len(object) > 0 {
			if err := json.Unmarshal(object, &c.Object); err != nil {
				return nil, fmt.Errorf("decode change %d: %w", c.Revision, err)
			}
		}
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	return out, nil
}

// Compact applies retention: Changes older than maxAge, and all but the
// newest maxCount, are dropped (a zero limit is no limit) — except each
// existing object's latest Change, which stays as its stored state, and the
// head, which anchors revision numbering. It returns how many were dropped.
//
// The victims are chosen in one read and deleted oldest first in small
// transactions, so writers are never blocked for long.
func (l *Log) Compact(ctx context.Context, maxAge time.Duration, maxCount int) (int, error) {
	head, err := l.Head(ctx)
	if err != nil || head == 0 {
		return 0, err
	}
	var cutoff int64
	if maxCount > 0 {
		cutoff = head - int64(maxCount)
	}
	if maxAge > 0 {
		var byAge sql.NullInt64
		if err := l.db.SQL.QueryRowContext(ctx, l.d.q(`SELECT MAX(revision) FROM changes WHERE created_at < ?`),
			dbTime(time.Now().Add(-maxAge))).Scan(&byAge); err != nil {
			return 0, fmt.Errorf("compact: %w", err)
		}
		cutoff = max(cutoff, byAge.Int64)
	}
	cutoff = min(cutoff, head-1)
	if cutoff <= 0 {
		return 0, nil
	}
	// An object's latest Change survives unless it is a deletion.
	rows, err := l.db.SQL.QueryContext(ctx, l.d.q(`SELECT revision FROM (
			SELECT revision, type, ROW_NUMBER() OVER (
				PARTITION BY cluster_id, kind, namespace, name ORDER BY revision DESC) AS rn
			FROM changes) v
		WHERE v.revision <= ? AND (v.rn > 1 OR v.type = 'DELETED') ORDER BY v.revision`), cutoff)
	if err != nil {
		return 0, fmt.Errorf("compact: choose victims: %w", err)
	}
	var victims []any
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return 0, fmt.Errorf("compact: %w", err)
		}
		victims = append(victims, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("compact: %w", err)
	}
	const chunk = 2000
	dropped := 0
	for len(victims) > 0 {
		n := min(len(victims), chunk)
		res, err := l.db.SQL.ExecContext(ctx, l.d.q(`DELETE FROM changes WHERE revision IN (`+placeholders(n)+`)`), victims[:n]...)
		if err != nil {
			return dropped, fmt.Errorf("compact: %w", err)
		}
		k, _ := res.RowsAffected()
		dropped += int(k)
		victims = victims[n:]
	}
	return dropped, nil
}

// Retain compacts every interval until ctx ends, logging what it dropped.
// Run it under a lease (lease.Store.Run) so that one replica does it.
func (l *Log) Retain(ctx context.Context, every, maxAge time.Duration, maxCount int, lg *slog.Logger) error {
	if lg == nil {
		lg = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		start := time.Now()
		n, err := l.Compact(ctx, maxAge, maxCount)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			lg.Warn("change log compaction failed", "component", "changelog", "err", err)
		case n > 0:
			lg.Info("change log compacted", "component", "changelog", "dropped", n, "took", time.Since(start))
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
	}
}
