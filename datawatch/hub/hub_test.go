package hub_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/hub"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/storage"
)

func TestMain(m *testing.M) { os.Exit(dwtest.Main(m)) }

var (
	quiet = slog.New(slog.DiscardHandler)
	all   = changelog.Filter{AllProjects: true}
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// replica is one BCS process: its own DB handle, writer and hub.
type replica struct {
	db  *storage.DB
	w   *changelog.Writer
	hub *hub.Hub
}

// startReplica runs a writer and a hub on db until the test ends; the
// writer publishes to the hub, and on PostgreSQL the hub also listens.
func startReplica(t testing.TB, db *storage.DB, hcfg hub.Config) *replica {
	t.Helper()
	hcfg.Logger = quiet
	if db.Dialect == "postgres" && hcfg.Notifier == nil {
		hcfg.Notifier = &hub.PGNotifier{DB: db.SQL, Logger: quiet}
	}
	h := hub.New(changelog.NewLog(db), hcfg)
	w := changelog.NewWriter(db, changelog.Config{OnCommit: h.Publish, Logger: quiet, BatchSize: 50, MaxLatency: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { must(t, w.Run(ctx)) })
	wg.Go(func() { must(t, h.Run(ctx)) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &replica{db: db, w: w, hub: h}
}

func pod(cluster gid.ID, ns, name string, v int) changelog.Event {
	return changelog.Event{
		ClusterID: cluster, Kind: "Pod", Namespace: ns, Name: name, Type: changelog.Modified,
		Object: map[string]any{"v": v}, Row: &changelog.PodRow{Restarts: v},
	}
}

// produce submits n real changes (pod updates) and flushes.
func produce(t testing.TB, w *changelog.Writer, cluster gid.ID, ns string, from, n int) {
	t.Helper()
	ctx := ctxT(t)
	for i := from; i < from+n; i++ {
		must(t, w.Submit(ctx, pod(cluster, ns, fmt.Sprint("p", i%7), i)))
	}
	must(t, w.Flush(ctx))
}

// collect reads s until it has seen revision upto, and checks the
// revisions it got are exactly want (in order).
func collect(t testing.TB, s *hub.Subscription, upto int64) []*ent.Change {
	t.Helper()
	var got []*ent.Change
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for {
		select {
		case c, ok := <-s.C:
			if !ok {
				t.Fatalf("subscription closed after %d changes: %v", len(got), s.Err())
			}
			got = append(got, c)
			if c.Revision >= upto {
				return got
			}
		case <-timeout.C:
			last := int64(0)
			if len(got) > 0 {
				last = got[len(got)-1].Revision
			}
			t.Fatalf("timed out at revision %d waiting for %d", last, upto)
		}
	}
}

// contiguous checks that cs are exactly revisions from+1 … to.
func contiguous(t testing.TB, cs []*ent.Change, from, to int64) {
	t.Helper()
	if int64(len(cs)) != to-from {
		var revs []int64
		for _, c := range cs {
			revs = append(revs, c.Revision)
		}
		t.Logf("revisions: %v", revs)
		t.Fatalf("got %d changes, want %d (%d..%d)", len(cs), to-from, from+1, to)
	}
	for i, c := range cs {
		if c.Revision != from+int64(i)+1 {
			t.Fatalf("change %d is revision %d, want %d", i, c.Revision, from+int64(i)+1)
		}
	}
}

func TestLiveFanoutFilters(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	p1, c1 := dwtest.Cluster(t, db)
	_, c2 := dwtest.Cluster(t, db)
	r := startReplica(t, db, hub.Config{})
	ctx := ctxT(t)
	everything, err := r.hub.Subscribe(ctx, all, nil, 1000)
	must(t, err)
	project1, err := r.hub.Subscribe(ctx, changelog.Filter{ProjectIDs: []gid.ID{p1}}, nil, 1000)
	must(t, err)
	nsB, err := r.hub.Subscribe(ctx, changelog.Filter{AllProjects: true, Namespaces: []string{"b"}}, nil, 1000)
	must(t, err)
	nobody, err := r.hub.Subscribe(ctx, changelog.Filter{}, nil, 1000) // no projects: sees nothing
	must(t, err)

	produce(t, r.w, c1, "a", 0, 10) // 1-10
	produce(t, r.w, c2, "b", 0, 10) // 11-20
	produce(t, r.w, c1, "b", 0, 5)  // 21-25
	contiguous(t, collect(t, everything, 25), 0, 25)
	got := collect(t, project1, 25)
	if len(got) != 15 || got[9].Revision != 10 || got[10].Revision != 21 {
		t.Errorf("project 1 got %d changes", len(got))
	}
	got = collect(t, nsB, 25)
	if len(got) != 15 || got[0].Revision != 11 {
		t.Errorf("namespace b got %d changes, first %d", len(got), got[0].Revision)
	}
	select {
	case c := <-nobody.C:
		t.Errorf("a filter without projects got revision %d", c.Revision)
	default:
	}
	nobody.Close()
	if _, ok := <-nobody.C; ok || nobody.Err() != nil {
		t.Errorf("after Close: channel open %v, err %v", ok, nobody.Err())
	}
}

// Subscribers join with since at many points while changes keep being
// written; each gets exactly every revision after its since, once.
func TestReplaySeamUnderConcurrentWrites(t *testing.T) {
	dwtest.Backends(t, func(t *testing.T, url string) {
		db := dwtest.Open(t, url)
		_, cl := dwtest.Cluster(t, db)
		r := startReplica(t, db, hub.Config{PageSize: 7})
		ctx := ctxT(t)
		const total = 600
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < total; i += 20 {
				produce(t, r.w, cl, "ns", i, 20)
			}
		}()
		// Each subscriber is read from the moment it joins; the buffer
		// holds everything, so only the seam is under test.
		var wg sync.WaitGroup
		log := changelog.NewLog(db)
		for n := 0; n < 30; n++ {
			head, err := log.Head(ctx)
			must(t, err)
			since := head / 2 // some replay, often across the seam
			if n%3 == 0 {
				since = head
			}
			if since >= total {
				break // every change is written: nothing would ever arrive (a slow loop under load got here)
			}
			s, err := r.hub.Subscribe(ctx, all, &since, total)
			must(t, err)
			wg.Go(func() { contiguous(t, collect(t, s, total), since, total) })
			if head >= total {
				break
			}
		}
		<-done
		wg.Wait()
	})
}

func TestSlowConsumerClosedOthersUnaffected(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, cl := dwtest.Cluster(t, db)
	r := startReplica(t, db, hub.Config{})
	ctx := ctxT(t)
	slow, err := r.hub.Subscribe(ctx, all, nil, 4)
	must(t, err)
	fast, err := r.hub.Subscribe(ctx, all, nil, 100)
	must(t, err)
	var (
		fastGot []*ent.Change
		wg      sync.WaitGroup
	)
	wg.Go(func() { fastGot = collect(t, fast, 100) })
	produce(t, r.w, cl, "ns", 0, 100)
	wg.Wait()
	contiguous(t, fastGot, 0, 100)

	// The slow one holds what fitted, then learns why it was closed.
	var slowGot []*ent.Change
	for c := range slow.C {
		slowGot = append(slowGot, c)
	}
	var sce *hub.SlowConsumerError
	if !errors.As(slow.Err(), &sce) || !errors.Is(slow.Err(), hub.ErrSlowConsumer) {
		t.Fatalf("slow subscriber: %v", slow.Err())
	}
	contiguous(t, slowGot, 0, sce.LastRevision)
	if sce.LastRevision != 4 {
		t.Errorf("slow subscriber's last revision = %d, want 4", sce.LastRevision)
	}
	// It resumes where it was cut off, and misses nothing.
	resumed, err := r.hub.Subscribe(ctx, all, &sce.LastRevision, 1000)
	must(t, err)
	contiguous(t, collect(t, resumed, 100), 4, 100)
}

// A replay whose held-back live changes overflow re-reads them from the
// log instead of failing.
func TestReplayOverflowReadsLogAgain(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, cl := dwtest.Cluster(t, db)
	r := startReplica(t, db, hub.Config{PageSize: 5})
	ctx := ctxT(t)
	produce(t, r.w, cl, "ns", 0, 50)
	since := int64(0)
	s, err := r.hub.Subscribe(ctx, all, &since, 2)
	must(t, err)
	// Nothing is read while 100 more changes arrive: the replay blocks on
	// its channel and the held-back changes overflow.
	produce(t, r.w, cl, "ns", 50, 100)
	contiguous(t, collect(t, s, 150), 0, 150)
	// Then it is live.
	produce(t, r.w, cl, "ns", 150, 1)
	contiguous(t, collect(t, s, 151), 150, 151)
}

func TestSubscribeCompactedAndFuture(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	_, cl := dwtest.Cluster(t, db)
	r := startReplica(t, db, hub.Config{})
	ctx := ctxT(t)
	produce(t, r.w, cl, "ns", 0, 30)
	if _, err := changelog.NewLog(db).Compact(ctx, 0, 10); err != nil {
		t.Fatal(err)
	}
	old := int64(3)
	if _, err := r.hub.Subscribe(ctx, all, &old, 10); !errors.Is(err, changelog.ErrRevisionCompacted) {
		t.Errorf("since 3 after compaction: %v", err)
	}
	future := int64(31)
	if _, err := r.hub.Subscribe(ctx, all, &future, 10); !errors.Is(err, changelog.ErrFutureRevision) {
		t.Errorf("since 31: %v", err)
	}
	ok := int64(20)
	s, err := r.hub.Subscribe(ctx, all, &ok, 100)
	must(t, err)
	contiguous(t, collect(t, s, 30), 20, 30)
}

func TestContextEndsSubscription(t *testing.T) {
	db := dwtest.Open(t, dwtest.SQLiteURL(t))
	r := startReplica(t, db, hub.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := r.hub.Subscribe(ctx, all, nil, 1)
	must(t, err)
	cancel()
	if _, ok := <-s.C; ok {
		t.Fatal("channel still open")
	}
	if !errors.Is(s.Err(), context.Canceled) {
		t.Errorf("Err = %v", s.Err())
	}
	if n := r.hub.Subscribers(); n != 0 {
		t.Errorf("%d subscribers left", n)
	}
}

// Two replicas on one PostgreSQL database, each with its own handle, writer
// and hub; polling is off, so only LISTEN/NOTIFY carries the other
// replica's commits. Every subscriber on either replica sees all changes,
// in order, once.
func TestCrossReplicaNotify(t *testing.T) {
	url := dwtest.PostgresURL(t)
	dbA, dbB := dwtest.Open(t, url), dwtest.Open(t, url)
	_, cl := dwtest.Cluster(t, dbA)
	a := startReplica(t, dbA, hub.Config{PollInterval: -1})
	b := startReplica(t, dbB, hub.Config{PollInterval: -1})
	ctx := ctxT(t)
	subA, err := a.hub.Subscribe(ctx, all, nil, 1000)
	must(t, err)
	subB, err := b.hub.Subscribe(ctx, all, nil, 1000)
	must(t, err)
	var wg sync.WaitGroup
	wg.Go(func() { produce(t, a.w, cl, "from-a", 0, 60) })
	wg.Go(func() { produce(t, b.w, cl, "from-b", 0, 60) })
	wg.Wait()
	contiguous(t, collect(t, subA, 120), 0, 120)
	contiguous(t, collect(t, subB, 120), 0, 120)

	// Cut B's listening connection: it reconnects, and what A commits
	// meanwhile still reaches B's subscriber (read from the log).
	var killed int
	must(t, dbA.SQL.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&killed))
	if killed != 2 {
		t.Fatalf("terminated %d listening connections, want 2", killed)
	}
	produce(t, a.w, cl, "from-a", 60, 30)
	contiguous(t, collect(t, subB, 150), 120, 150)
	contiguous(t, collect(t, subA, 150), 120, 150)
}

// Listening runs each time LISTEN takes effect, at start and after the
// connection is cut: events published in between were not heard, and
// whoever relies on Signal must catch up then.
func TestNotifierSaysWhenItListensAgain(t *testing.T) {
	db := dwtest.Open(t, dwtest.PostgresURL(t))
	listening := make(chan struct{}, 4)
	n := &hub.PGNotifier{DB: db.SQL, Listening: func() { listening <- struct{}{} }}
	ctx := ctxT(t)
	go func() { _ = n.Listen(ctx, func(int64) {}) }()
	waitListening := func(what string) {
		t.Helper()
		select {
		case <-listening:
		case <-time.After(30 * time.Second):
			t.Fatalf("no Listening call %s", what)
		}
	}
	waitListening("at start")
	var killed int
	must(t, db.SQL.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&killed))
	if killed != 1 {
		t.Fatalf("terminated %d listening connections, want 1", killed)
	}
	waitListening("after the connection was cut")
}
