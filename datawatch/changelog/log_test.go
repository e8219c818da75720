package changelog_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

func TestCompaction(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		_, cl := dwtest.Cluster(t, db)
		ctx := ctxT(t)
		w := startWriter(t, db, changelog.Config{})
		// 1-5: five pods added; 6-15: each modified twice; 16: p4 deleted;
		// 17-26: ten more changes of p0.
		for i := range 5 {
			must(t, w.Submit(ctx, pod(cl, "ns", fmt.Sprint("p", i), 1)))
		}
		for v := 2; v <= 3; v++ {
			for i := range 5 {
				must(t, w.Submit(ctx, pod(cl, "ns", fmt.Sprint("p", i), v)))
			}
		}
		must(t, w.Submit(ctx, gone(cl, "Pod", "ns", "p4")))
		for v := 4; v < 14; v++ {
			must(t, w.Submit(ctx, pod(cl, "ns", "p0", v)))
		}
		must(t, w.Flush(ctx))
		log := changelog.NewLog(db)
		if o, _ := log.Oldest(ctx); o != 1 {
			t.Fatalf("oldest before compaction = %d", o)
		}

		// Keep the newest 8 (19-26); below that only the latest change of
		// each live pod survives: p1, p2, p3 at 12, 13, 14. p4's deletion
		// and everything superseded go.
		dropped, err := log.Compact(ctx, 0, 8)
		must(t, err)
		if dropped != 15 {
			t.Errorf("dropped %d, want 15", dropped)
		}
		if o, _ := log.Oldest(ctx); o != 19 {
			t.Errorf("oldest = %d, want 19", o)
		}
		for _, since := range []int64{0, 5, 14, 17} {
			if _, err := log.List(ctx, since, all, 10); !errors.Is(err, changelog.ErrRevisionCompacted) {
				t.Errorf("List(since %d) = %v, want ErrRevisionCompacted", since, err)
			}
		}
		if cs, err := log.List(ctx, 18, all, 100); err != nil || len(cs) != 8 || cs[0].Revision != 19 {
			t.Errorf("List(since 18) = %d changes, %v", len(cs), err)
		}
		if _, err := log.List(ctx, 27, all, 10); !errors.Is(err, changelog.ErrFutureRevision) {
			t.Errorf("List(since 27) = %v, want ErrFutureRevision", err)
		}
		var survivors []int64
		rows, err := db.SQL.QueryContext(ctx, `SELECT revision FROM changes WHERE revision < 19 ORDER BY revision`)
		must(t, err)
		for rows.Next() {
			var r int64
			must(t, rows.Scan(&r))
			survivors = append(survivors, r)
		}
		rows.Close()
		if !slices.Equal(survivors, []int64{12, 13, 14}) {
			t.Errorf("survivors %v, want [12 13 14]", survivors)
		}

		// The stored state survives compaction: a restarted writer's resync
		// of the same listing records nothing, and p4 stays deleted.
		w2 := startWriter(t, dwtest.Open(t, url), changelog.Config{})
		current := []changelog.Event{pod(cl, "ns", "p0", 13), pod(cl, "ns", "p1", 3), pod(cl, "ns", "p2", 3), pod(cl, "ns", "p3", 3)}
		must(t, w2.Resync(ctx, cl, "Pod", current))
		if head, _ := log.Head(ctx); head != 26 {
			t.Errorf("resync after compaction wrote changes: head %d", head)
		}

		// Age: everything older than a nanosecond, except the survivors and
		// the head.
		_, err = log.Compact(ctx, time.Nanosecond, 0)
		must(t, err)
		if n := count(t, db, "SELECT COUNT(*) FROM changes"); n != 4 { // p0..p3's latest; p0's is the head
			t.Errorf("%d changes after age compaction, want 4", n)
		}
		if head, _ := log.Head(ctx); head != 26 {
			t.Errorf("head = %d", head)
		}
		if _, err := log.List(ctx, 26, all, 10); err != nil {
			t.Errorf("List(head) = %v", err)
		}
		// Numbering continues after the retained head.
		must(t, w2.Submit(ctx, pod(cl, "ns", "p9", 1)))
		must(t, w2.Flush(ctx))
		if cs, err := log.List(ctx, 26, all, 10); err != nil || len(cs) != 1 || cs[0].Revision != 27 {
			t.Errorf("after compaction: %v %v", summary(cs), err)
		}
	})
}

func TestListFilter(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		p1, c1 := dwtest.Cluster(t, db)
		p2, c2 := dwtest.Cluster(t, db)
		ctx := ctxT(t)
		w := startWriter(t, db, changelog.Config{})
		svc := changelog.Event{ClusterID: c1, Kind: "Service", Namespace: "a", Name: "s", Type: changelog.Added, Object: map[string]any{}}
		must(t, w.Submit(ctx, pod(c1, "a", "x", 1), pod(c1, "b", "x", 1), pod(c2, "a", "x", 1), svc))
		must(t, w.Flush(ctx))
		log := changelog.NewLog(db)
		cases := []struct {
			name string
			f    changelog.Filter
			want []int64
		}{
			{"no projects means nothing", changelog.Filter{}, nil},
			{"project 1", changelog.Filter{ProjectIDs: []gid.ID{p1}}, []int64{1, 2, 4}},
			{"project 2", changelog.Filter{ProjectIDs: []gid.ID{p2}}, []int64{3}},
			{"both, namespace a", changelog.Filter{ProjectIDs: []gid.ID{p1, p2}, Namespaces: []string{"a"}}, []int64{1, 3, 4}},
			{"cluster 1 pods", changelog.Filter{AllProjects: true, ClusterIDs: []gid.ID{c1}, Kinds: []string{"Pod"}}, []int64{1, 2}},
			{"other project's cluster", changelog.Filter{ProjectIDs: []gid.ID{p2}, ClusterIDs: []gid.ID{c1}}, nil},
		}
		for _, tc := range cases {
			cs, err := log.List(ctx, 0, tc.f, 10)
			must(t, err)
			var got []int64
			for _, c := range cs {
				got = append(got, c.Revision)
				if !tc.f.Match(c) {
					t.Errorf("%s: Match disagrees with List on %d", tc.name, c.Revision)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		// Paging: covered moves past unmatched revisions.
		cs, covered, err := log.Page(ctx, 0, changelog.Filter{ProjectIDs: []gid.ID{p1}}, 2)
		if err != nil || len(cs) != 2 || covered != 2 {
			t.Fatalf("page 1: %d, covered %d, %v", len(cs), covered, err)
		}
		cs, covered, err = log.Page(ctx, covered, changelog.Filter{ProjectIDs: []gid.ID{p1}}, 2)
		if err != nil || len(cs) != 1 || cs[0].Revision != 4 || covered != 4 {
			t.Fatalf("page 2: %v, covered %d, %v", summary(cs), covered, err)
		}
	})
}
