package lease_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcs-io/bcs/datawatch/lease"
	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
	"github.com/bcs-io/bcs/internal/zkutil"
)

const zkWait = 30 * time.Second

func zkSession(t *testing.T, addr string, timeout time.Duration) *zkutil.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), zkWait)
	defer cancel()
	s, err := zkutil.Connect(ctx, []string{addr}, timeout, quiet)
	must(t, err)
	t.Cleanup(s.Close)
	return s
}

func zkLeases(s *zkutil.Session) *lease.ZooKeeper { return lease.NewZooKeeper(s, "", quiet) }

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(zkWait)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func recv[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(zkWait):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// contenders counts the candidates queued for a lease.
func contenders(t *testing.T, s *zkutil.Session, z *lease.ZooKeeper, name string) int {
	t.Helper()
	children, _, err := s.Children(z.Path(name))
	if err != nil {
		return 0
	}
	return len(children)
}

// holding runs z.Run for name in the background and reports each term's
// lease on started and the end of its work on stopped.
type holding struct {
	started chan lease.Lease
	stopped chan lease.Lease
	stop    context.CancelFunc
	done    chan error
}

func hold(t *testing.T, z *lease.ZooKeeper, name, holder string, running *atomic.Int64) *holding {
	ctx, stop := context.WithCancel(context.Background())
	h := &holding{started: make(chan lease.Lease, 8), stopped: make(chan lease.Lease, 8), stop: stop, done: make(chan error, 1)}
	t.Cleanup(func() { stop(); <-h.done })
	go func() {
		h.done <- z.Run(ctx, name, holder, time.Minute, func(ctx context.Context) error {
			l, _ := lease.FromContext(ctx)
			if n := running.Add(1); n != 1 {
				t.Errorf("%d holders of %s running at once (%s starting)", n, name, holder)
			}
			h.started <- l
			<-ctx.Done()
			running.Add(-1)
			h.stopped <- l
			return nil
		})
	}()
	return h
}

// Contenders on three sessions hand one lease over many times, by finishing
// their work or by stopping: never do two run at once, and every term's
// epoch is above the previous one's.
func TestZooKeeperExclusiveAcrossHandovers(t *testing.T) {
	srv := zookeeper.StartT(t)
	sessions := []*zkutil.Session{zkSession(t, srv.Addr(), 4*time.Second), zkSession(t, srv.Addr(), 4*time.Second), zkSession(t, srv.Addr(), 4*time.Second)}
	ctx := ctxT(t)
	var (
		running, terms atomic.Int64
		mu             sync.Mutex
		epochs         []int64
		wg             sync.WaitGroup
	)
	const wantTerms = 60
	for i := range 6 {
		s, holder := sessions[i%len(sessions)], fmt.Sprint("replica-", i)
		z := zkLeases(s)
		wg.Go(func() {
			for terms.Load() < wantTerms {
				runCtx, stop := context.WithCancel(ctx)
				err := z.Run(runCtx, "compaction", holder, time.Minute, func(ctx context.Context) error {
					if n := running.Add(1); n != 1 {
						t.Errorf("%d holders running at once", n)
					}
					l, _ := lease.FromContext(ctx)
					mu.Lock()
					if n := len(epochs); n > 0 && l.Epoch <= epochs[n-1] {
						t.Errorf("epoch %d after %d", l.Epoch, epochs[n-1])
					}
					epochs = append(epochs, l.Epoch)
					mu.Unlock()
					// A round trip widens the window in which an overlap
					// would show.
					if _, _, err := s.Exists(z.Path("compaction")); err != nil {
						t.Error(err)
					}
					term := terms.Add(1)
					if term%2 == 0 {
						// Hand over by stopping: Run cancels us, then releases.
						stop()
						<-ctx.Done()
					}
					running.Add(-1)
					return nil
				})
				stop()
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(epochs) < wantTerms {
		t.Errorf("%d terms, want %d", len(epochs), wantTerms)
	}
	if n := contenders(t, sessions[0], zkLeases(sessions[0]), "compaction"); n != 0 {
		t.Errorf("%d lock nodes left after every contender stopped", n)
	}
}

// When the holder's session expires, its work is cancelled and the waiting
// contender takes over with a higher epoch.
func TestZooKeeperTakeoverOnSessionExpiry(t *testing.T) {
	srv := zookeeper.StartT(t)
	a, b := zkSession(t, srv.Addr(), 2*time.Second), zkSession(t, srv.Addr(), 2*time.Second)
	// A forced expiry may overlap the terms (see below): count apart.
	var runningA, runningB atomic.Int64
	ha := hold(t, zkLeases(a), "cluster/7", "a", &runningA)
	la := recv(t, "a's term", ha.started)
	hb := hold(t, zkLeases(b), "cluster/7", "b", &runningB)
	poll(t, "b queued", func() bool { return contenders(t, a, zkLeases(a), "cluster/7") == 2 })
	select {
	case l := <-hb.started:
		t.Fatalf("b runs %+v while a holds %+v", l, la)
	default:
	}

	must(t, srv.ExpireSession(ctxT(t), a.SessionID()))
	// The server closes the expired session's connection, so a learns of the
	// expiry as soon as b can take over; they may overlap by that moment,
	// which is why the safe way to lose a session (a partition) is tested
	// separately.
	recv(t, "a's work cancelled", ha.stopped)
	lb := recv(t, "b's takeover", hb.started)
	if lb.Holder != "b" || lb.Name != "cluster/7" || lb.Epoch <= la.Epoch {
		t.Errorf("b took over as %+v after %+v", lb, la)
	}
	// a contends again on its new session and gets the lease once b stops.
	poll(t, "a queued again", func() bool { return contenders(t, b, zkLeases(b), "cluster/7") == 2 })
	hb.stop()
	recv(t, "b's work cancelled", hb.stopped)
	if err := recv(t, "b's Run to return", hb.done); err != nil {
		t.Errorf("b's Run after its context ended: %v", err)
	}
	hb.done <- nil // for the cleanup
	la2 := recv(t, "a's second term", ha.started)
	if la2.Epoch <= lb.Epoch {
		t.Errorf("a's second epoch %d not above b's %d", la2.Epoch, lb.Epoch)
	}
}

// A holder cut off from ZooKeeper (no packets either way, as in a network
// partition) stops its work before its session can expire, so before the
// other contender can start.
func TestZooKeeperPartitionedHolderStopsFirst(t *testing.T) {
	srv := zookeeper.StartT(t)
	px := startProxy(t, srv.Addr())
	const timeout = 3 * time.Second
	a, b := zkSession(t, px.addr(), timeout), zkSession(t, srv.Addr(), timeout)
	var running atomic.Int64
	ha := hold(t, zkLeases(a), "cluster/8", "a", &running)
	la := recv(t, "a's term", ha.started)
	hb := hold(t, zkLeases(b), "cluster/8", "b", &running)
	poll(t, "b queued", func() bool { return contenders(t, b, zkLeases(b), "cluster/8") == 2 })

	cut := time.Now()
	px.cut.Store(true)
	select {
	case <-ha.stopped:
	case l := <-hb.started:
		t.Fatalf("b took over as %+v while a's work (%+v) still ran", l, la)
	case <-time.After(zkWait):
		t.Fatal("a's work still runs after the partition")
	}
	if d := time.Since(cut); d >= timeout {
		t.Errorf("a stopped %v after the partition, not within the %v session timeout", d, timeout)
	}
	lb := recv(t, "b's takeover once a's session expired", hb.started)
	if lb.Epoch <= la.Epoch {
		t.Errorf("b's epoch %d not above a's %d", lb.Epoch, la.Epoch)
	}
}

// Stopping a holder releases the lease: the other contender takes over at
// once, although the first one's session lives on.
func TestZooKeeperReleaseOnStop(t *testing.T) {
	srv := zookeeper.StartT(t)
	a, b := zkSession(t, srv.Addr(), 10*time.Second), zkSession(t, srv.Addr(), 10*time.Second)
	var running atomic.Int64
	ha := hold(t, zkLeases(a), "changelog/retention", "a", &running)
	la := recv(t, "a's term", ha.started)
	hb := hold(t, zkLeases(b), "changelog/retention", "b", &running)
	poll(t, "b queued", func() bool { return contenders(t, a, zkLeases(a), "changelog/retention") == 2 })
	ha.stop()
	recv(t, "a's work cancelled", ha.stopped)
	if err := recv(t, "a's Run to return", ha.done); err != nil {
		t.Errorf("a's Run after its context ended: %v", err)
	}
	ha.done <- nil
	select {
	case lb := <-hb.started:
		if lb.Epoch <= la.Epoch {
			t.Errorf("b's epoch %d not above a's %d", lb.Epoch, la.Epoch)
		}
	case <-time.After(5 * time.Second): // half a's session timeout
		t.Fatal("b did not take over from a released lease")
	}
}

// If the work returns by itself, Run returns its error and releases the
// lease. A name with '/' is one node under the root, and the epoch is that
// node's czxid.
func TestZooKeeperWorkErrorReleases(t *testing.T) {
	srv := zookeeper.StartT(t)
	a, b := zkSession(t, srv.Addr(), 10*time.Second), zkSession(t, srv.Addr(), 10*time.Second)
	z := zkLeases(a)
	const name = "datawatch/cls_1"
	if got, want := z.Path(name), "/bcs/leases/datawatch%2Fcls_1"; got != want {
		t.Fatalf("path %s, want %s", got, want)
	}
	boom := errors.New("boom")
	var running atomic.Int64
	hb := hold(t, zkLeases(b), name, "b", &running)
	lb := recv(t, "b's term", hb.started)
	children, _, err := a.Children(z.Path(name))
	must(t, err)
	if len(children) != 1 {
		t.Fatalf("lock nodes %v", children)
	}
	data, stat, err := a.Get(z.Path(name) + "/" + children[0])
	must(t, err)
	if string(data) != "b" || stat.Czxid != lb.Epoch || lb.Name != name {
		t.Errorf("node %s holds %q (czxid %d) for lease %+v", children[0], data, stat.Czxid, lb)
	}

	ran := make(chan lease.Lease, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- z.Run(ctxT(t), name, "a", time.Minute, func(ctx context.Context) error {
			l, _ := lease.FromContext(ctx)
			ran <- l
			return fmt.Errorf("work: %w", boom)
		})
	}()
	poll(t, "a queued", func() bool { return contenders(t, a, z, name) == 2 })
	hb.stop()
	la := recv(t, "a's term", ran)
	if err := recv(t, "a's Run to return", errc); !errors.Is(err, boom) {
		t.Errorf("Run returned %v, want the work's error", err)
	}
	if la.Epoch <= lb.Epoch || la.Holder != "a" {
		t.Errorf("a's lease %+v after b's %+v", la, lb)
	}
	if n := contenders(t, a, z, name); n != 0 {
		t.Errorf("%d lock nodes left after the work returned", n)
	}
}

func TestEscapeName(t *testing.T) {
	seen := map[string]string{}
	for name, want := range map[string]string{
		"datawatch/cls_1": "datawatch%2Fcls_1",
		"a%2Fb":           "a%252Fb",
		"v1.2":            "v1.2",
		".":               "%2E",
		"..":              "%2E%2E",
		"x y/é":           "x%20y%2F%C3%A9",
	} {
		got := lease.EscapeName(name)
		if got != want {
			t.Errorf("EscapeName(%q) = %q, want %q", name, got, want)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("%q and %q share %q", prev, name, got)
		}
		seen[got] = name
	}
}

// proxy forwards TCP connections to a ZooKeeper server until cut, then
// drops every byte either way without closing anything: a partition.
type proxy struct {
	ln     net.Listener
	target string
	cut    atomic.Bool
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve(c net.Conn) {
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	go p.pipe(u, c)
	p.pipe(c, u)
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.cut.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
