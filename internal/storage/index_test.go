package storage

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/internal/testenv/postgres"
)

// TestMembershipsByUserUseAnIndex: authentication loads a viewer's roles with
// `members WHERE user_id = ?`; without an index led by user_id each uncached
// request scans every membership of every project.
func TestMembershipsByUserUseAnIndex(t *testing.T) {
	ctx := context.Background()
	pg := postgres.StartT(t)
	pgURL, err := pg.CreateDatabase(ctx, "index_check")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ url, setup, explain string }{
		"sqlite": {"sqlite://" + filepath.Join(t.TempDir(), "bcs.db"), "",
			"EXPLAIN QUERY PLAN SELECT * FROM members WHERE user_id = 'usr_x'"},
		// An empty table is cheapest to scan; forbid that to see which
		// index the planner would take.
		"postgres": {pgURL, "SET enable_seqscan = off",
			"EXPLAIN SELECT * FROM members WHERE user_id = 'usr_x'"},
	} {
		t.Run(name, func(t *testing.T) {
			db, err := Open(ctx, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
			conn, err := db.SQL.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if tc.setup != "" {
				if _, err := conn.ExecContext(ctx, tc.setup); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := conn.QueryContext(ctx, tc.explain)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			var plan []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for _, v := range vals {
					if s, ok := v.(string); ok {
						plan = append(plan, s)
					} else if b, ok := v.([]byte); ok {
						plan = append(plan, string(b))
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(plan, "\n"); !strings.Contains(got, "member_user_id") {
				t.Fatalf("memberships by user do not use the member_user_id index:\n%s", got)
			}
		})
	}
}
