package changelog_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/internal/dwtest"
)

// benchPaced measures what a steady stream costs the writer: b.N pod
// updates submitted one at a time at rate per second (as informer workers
// do), then the process CPU per change and the changes per transaction
// (PACED_MAX_LATENCY sets Config.MaxLatency). A batch window trades latency for fewer, larger
// transactions; this shows the CPU side of that trade.
func benchPaced(b *testing.B, url string, rate float64) {
	db := dwtest.Open(b, url)
	_, cl := dwtest.Cluster(b, db)
	var cfg changelog.Config
	if d, err := time.ParseDuration(os.Getenv("PACED_MAX_LATENCY")); err == nil {
		cfg.MaxLatency = d
	}
	w := startWriter(b, db, cfg)
	ctx := context.Background()
	events := make([]changelog.Event, b.N)
	for i := range events {
		events[i] = benchPod(cl, i%benchObjects, i/benchObjects)
	}
	before := w.Stats()
	cpu0 := processCPU()
	b.ResetTimer()
	start := time.Now()
	for i := range events {
		if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
			time.Sleep(d) // pacing the stream, not waiting for a result
		}
		must(b, w.Submit(ctx, events[i]))
	}
	must(b, w.Flush(ctx))
	b.StopTimer()
	cpu := processCPU() - cpu0
	st := w.Stats()
	batches := st.Batches - before.Batches
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/change")
	b.ReportMetric(float64(st.Changes-before.Changes)/float64(max(batches, 1)), "changes/batch")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkPaced2000SQLite(b *testing.B)   { benchPaced(b, dwtest.SQLiteURL(b), 2000) }
func BenchmarkPaced2000Postgres(b *testing.B) { benchPaced(b, dwtest.PostgresURL(b), 2000) }
