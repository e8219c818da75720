package sim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

const (
	scaleAgents   = 100
	tasksPerAgent = 10
)

// launchAtScale subscribes a framework to a simulator with 100 agents and
// default timings, launches 10 tasks on each agent's first offer, and
// acknowledges every update from a pool of workers. It returns the time
// from SUBSCRIBE to the last task's RUNNING update.
func launchAtScale(tb testing.TB) time.Duration {
	cfg := Config{
		Listen: "127.0.0.1:0",
		Agents: scaleAgents,
		Agent:  AgentSpec{CPUs: 16, MemMB: 65536},
		Logger: testLogger(),
	}
	srv, err := Start(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	defer srv.Close()

	cli := httpcli.New(
		httpcli.Endpoint(srv.URL()+"/api/v1/scheduler"),
		httpcli.Codec(protoCodec),
		httpcli.Do(httpcli.With(httpcli.Transport(func(t *http.Transport) { t.MaxIdleConnsPerHost = 16 }))),
	)
	caller := httpsched.NewCaller(cli)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	start := time.Now()
	info := frameworkInfo("scale")
	resp, err := caller.Call(ctx, calls.Subscribe(&info))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Close()

	const total = scaleAgents * tasksPerAgent
	var (
		fwID     string
		running  atomic.Int32
		done     = make(chan struct{})
		acks     = make(chan mesos.TaskStatus, 4*total)
		workers  sync.WaitGroup
		failures = make(chan error, 16)
	)
	call := func(c *scheduler.Call) {
		r, err := caller.Call(ctx, c.With(calls.Framework(fwID)))
		if r != nil {
			r.Close()
		}
		if err != nil && ctx.Err() == nil {
			select {
			case failures <- err:
			default:
			}
		}
	}
	for i := 0; i < 8; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for st := range acks {
				call(calls.Acknowledge(st.AgentID.Value, st.TaskID.Value, st.UUID))
			}
		}()
	}
	defer func() { close(acks); workers.Wait() }()

	go func() {
		launched := 0
		for {
			var ev scheduler.Event
			if err := resp.Decode(&ev); err != nil {
				return
			}
			switch ev.Type {
			case scheduler.Event_SUBSCRIBED:
				fwID = ev.Subscribed.FrameworkID.Value
			case scheduler.Event_OFFERS:
				for _, o := range ev.Offers.Offers {
					if launched >= total {
						go call(calls.Decline(o.ID).With(calls.RefuseSeconds(time.Hour)))
						continue
					}
					tasks := make([]mesos.TaskInfo, 0, tasksPerAgent)
					for j := 0; j < tasksPerAgent; j++ {
						tasks = append(tasks, commandTask(fmt.Sprintf("task-%04d", launched), o.AgentID, 0.5, 256))
						launched++
					}
					go call(calls.Accept(calls.OfferOperations{calls.OpLaunch(tasks...)}.WithOffers(o.ID)))
				}
			case scheduler.Event_UPDATE:
				st := ev.Update.Status
				if len(st.UUID) > 0 {
					acks <- st
				}
				if st.GetState() == mesos.TASK_RUNNING && running.Add(1) == total {
					close(done)
				}
			}
		}
	}()

	select {
	case <-done:
	case err := <-failures:
		tb.Fatalf("call failed: %v", err)
	case <-time.After(60 * time.Second):
		tb.Fatalf("only %d of %d tasks RUNNING after 60s", running.Load(), total)
	}
	elapsed := time.Since(start)
	if n := srv.Summary().Tasks[mesos.TASK_RUNNING.String()]; n != total {
		tb.Fatalf("%d tasks RUNNING in the simulator, want %d", n, total)
	}
	return elapsed
}

// TestScale1000Tasks is the target: 1,000 tasks on 100 agents to
// RUNNING in under 10 s.
func TestScale1000Tasks(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	elapsed := launchAtScale(t)
	t.Logf("1000 tasks on 100 agents RUNNING after %v", elapsed)
	if elapsed > 10*time.Second {
		t.Fatalf("took %v, target is under 10s", elapsed)
	}
}

func BenchmarkLaunch1000TasksOn100Agents(b *testing.B) {
	var total time.Duration
	n := 0
	for b.Loop() {
		total += launchAtScale(b)
		n++
	}
	b.ReportMetric(total.Seconds()/float64(n), "s/1000-running")
}
