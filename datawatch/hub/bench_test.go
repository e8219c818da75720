package hub_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/hub"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// BenchmarkFanout10k: 10,000 in-process subscribers, each filtered to one
// of 100 namespaces, and 200 changes/s published by the local writer path
// (Publish): 20,000 deliveries/s. Reports the p99 publish-to-receive
// latency and the heap held per idle subscriber (the hub's share of the
// issue's 30 KiB budget; transports add their own).
func BenchmarkFanout10k(b *testing.B) {
	const subscribers, namespaces, rate = 10000, 100, 200
	db := dwtest.Open(b, dwtest.SQLiteURL(b))
	h := hub.New(changelog.NewLog(db), hub.Config{Logger: quiet, PollInterval: -1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = h.Run(ctx) }()
	project := gid.New("prj")

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	subs := make([]*hub.Subscription, subscribers)
	for i := range subs {
		s, err := h.Subscribe(ctx, changelog.Filter{ProjectIDs: []gid.ID{project}, Namespaces: []string{fmt.Sprint("ns-", i%namespaces)}}, nil, 64)
		must(b, err)
		subs[i] = s
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perSub := float64(after.HeapAlloc-before.HeapAlloc) / subscribers

	// One reader per subscriber records latencies.
	lat := make([][]time.Duration, subscribers)
	var wg sync.WaitGroup
	for i, s := range subs {
		wg.Go(func() {
			for c := range s.C {
				lat[i] = append(lat[i], time.Since(c.CreatedAt))
			}
		})
	}
	b.ResetTimer()
	tick := time.NewTicker(10 * time.Millisecond) // 2 changes per tick = 200/s
	defer tick.Stop()
	rev := int64(0)
	for rev < int64(b.N) {
		<-tick.C
		batch := make([]*ent.Change, 0, rate/100)
		for range rate / 100 {
			rev++
			batch = append(batch, &ent.Change{Revision: rev, ProjectID: project, Kind: "Pod",
				Namespace: fmt.Sprint("ns-", rev%namespaces), Name: "p", Type: "MODIFIED", CreatedAt: time.Now()})
		}
		h.Publish(batch)
	}
	b.StopTimer()
	// Let the last deliveries land, then end every subscription.
	for _, s := range subs {
		for s.LastRevision() < rev-namespaces && s.Err() == nil {
			runtime.Gosched()
		}
		s.Close()
	}
	wg.Wait()
	var all []time.Duration
	slow := 0
	for i, l := range lat {
		all = append(all, l...)
		if subs[i].Err() != nil {
			slow++
		}
	}
	slices.Sort(all)
	if len(all) == 0 {
		b.Fatal("nothing delivered")
	}
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(perSub, "heap-B/sub")
	b.ReportMetric(float64(slow), "slow-closed")
}
