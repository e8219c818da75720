package changelog

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
)

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// dialectSQL writes queries with ? placeholders and rebinds them for
// PostgreSQL. Datawatch talks SQL directly rather than through ent: it is a
// system component (ent's privacy rules are for viewers), and batched
// multi-row upserts with RETURNING are what make 10k changes/s possible.
type dialectSQL string

func (d dialectSQL) pg() bool { return string(d) == dialect.Postgres }

// q rebinds ? placeholders to $1, $2… on PostgreSQL. No query here has a ?
// inside a literal.
func (d dialectSQL) q(query string) string {
	if !d.pg() {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// maxParams bounds the placeholders in one statement: SQLite allows 32766,
// PostgreSQL 65535.
const maxParams = 30000

// values returns "(?,?,?),(?,?,?)…" for rows of n columns.
func values(rows, n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

// placeholders returns "?,?,?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// dbTime is how datawatch writes times: UTC without a monotonic reading, so
// SQLite's text timestamps compare in time order.
func dbTime(t time.Time) time.Time { return t.UTC().Round(0) }

// jsonArg encodes v for a JSON column; nil (or an empty map or slice) is NULL.
func jsonArg[T any](v T, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func jsonMap[V any](m map[string]V) (any, error) { return jsonArg(m, m == nil) }
func jsonSlice(s []string) (any, error)          { return jsonArg(s, s == nil) }
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
