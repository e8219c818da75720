package server

// Helpers for BenchmarkFanout10k: the subscriber fleet (in this process or
// in a child process), the bare websocket floor, the paced producer and
// memory probes.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/hub"
)

// fanoutQuery is what every BCS subscriber runs, with $ns its one
// namespace; with distinct tokens, $c its namespace's cluster and, for half
// of them, $p its project.
const fanoutQuery = `subscription($ns: [String!], $p: ID, $c: [ID!]) { changes(filter: {projectID: $p, clusterIDs: $c, namespaces: $ns, kinds: ["ConfigMap"]}) { revision projectID namespace name object } }`

// fleetEnv carries the fleet's JSON configuration to a child process (or
// "@file" holding it: one environment string is capped at 128 KiB): the
// test binary re-executed, intercepted in init before TestMain (and its
// PostgreSQL) runs.
const fleetEnv = "BCS_FANOUT_FLEET_CHILD"

// fleetLine prefixes the child's protocol lines on stdout.
const fleetLine = "FANOUT-FLEET "

func init() {
	if raw := os.Getenv(fleetEnv); raw != "" {
		os.Exit(fleetChildMain(raw))
	}
}

func fanoutNS(i int) string { return fmt.Sprintf("ns-%02d", i) }

// fleetConfig describes N websocket clients; client i follows namespace
// i % Spaces with Token, or, when Clients is set, what Clients[i] says.
type fleetConfig struct {
	URL     string        `json:"url"`     // ws://127.0.0.1:port/path
	GraphQL bool          `json:"graphql"` // graphql-transport-ws handshake + subscribe; else bare (?ns=)
	Token   string        `json:"token"`   // connection_init Authorization
	N       int           `json:"n"`       // clients
	Spaces  int           `json:"spaces"`  // namespaces
	Clients []fleetClient `json:"clients,omitempty"`
	// Ops is the number of subscriptions per socket (GraphQL only; 0: 1):
	// subscription j follows namespace NS + j*Spaces/Ops, of the same
	// project when the projects divide Spaces/Ops.
	Ops      int   `json:"ops,omitempty"`
	Deadline int64 `json:"deadline"` // unix ns: every read ends by then
}

// fleetClient is one subscriber of its own: its token, its filter and the
// projects its user may see, against which it checks every change.
type fleetClient struct {
	Token   string   `json:"t"`
	NS      int      `json:"ns"`
	Project string   `json:"p,omitempty"` // filter.projectID; "": none
	Cluster string   `json:"c"`           // filter.clusterIDs
	Allowed []string `json:"a"`
}

// fanChange is a change as subscribers see it; the floor sends the same.
type fanChange struct {
	Revision  int64     `json:"revision"`
	ProjectID string    `json:"projectID"`
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	Object    fanObject `json:"object"`
}

// fanObject is the payload: a sequence number (-1: end of the run) and
// the producer's wall clock at send time.
type fanObject struct {
	Seq  int64 `json:"seq"`
	Sent int64 `json:"sent"`
}

type fanClient struct {
	conn    *websocket.Conn
	allowed []string  // projects whose changes it may receive; nil: any
	subs    []*fanSub // by operation id - 1
	ending  int       // subscriptions without their end marker yet
	err     string
}

// fanSub is one subscription on a client's socket.
type fanSub struct {
	ns               int
	lastSeq, lastRev int64
	got              int // distinct changes of its namespace, in order
	dups, disorder   int // repeated / out-of-order deliveries
	foreign          int // changes of another namespace
	cross            int // changes of a project its user may not see
	lat              []int32
	lastRecv         int64
	ended            bool // the end-of-run marker arrived
}

// clientResult is one client's verdict.
type clientResult struct {
	NS       int    `json:"ns"`
	Got      int    `json:"got"`
	Dups     int    `json:"dups"`
	Disorder int    `json:"disorder"`
	Foreign  int    `json:"foreign"`
	Cross    int    `json:"cross"`
	Ended    bool   `json:"ended"`
	Err      string `json:"err,omitempty"`
}

// fleetResult is what the fleet reports once every client has seen the end
// marker (or failed, or hit the deadline).
type fleetResult struct {
	Clients    []clientResult `json:"clients"`
	Deliveries int64          `json:"deliveries"`
	LastRecv   int64          `json:"lastRecv"` // unix ns
	P50        float64        `json:"p50"`      // ms
	P90        float64        `json:"p90"`
	P99        float64        `json:"p99"`
	P999       float64        `json:"p999"`
	Max        float64        `json:"max"`
	Mean       float64        `json:"mean"`
	// CPU is the child's CPU time (user+sys) from ready to results; zero
	// for clients in this process.
	CPU time.Duration `json:"cpu"`
}

// fleetReady is the child's report once its clients are connected and idle:
// its own (client-side) memory growth.
type fleetReady struct {
	Ready     bool   `json:"ready"`
	Error     string `json:"error,omitempty"`
	GoMem     int64  `json:"goMem"` // HeapInuse+StackInuse delta
	Heap      int64  `json:"heap"`
	RSS       int64  `json:"rss"`
	ConnectMS int64  `json:"connectMs"`
}

type fleet struct {
	cfg     fleetConfig
	clients []*fanClient
	wg      sync.WaitGroup
	pool    sync.Pool // write buffers, shared: idle clients hold none
}

// startFleet connects every client (16 dials at a time) and starts their
// readers; it fails on the first client that cannot connect.
func startFleet(cfg fleetConfig) (*fleet, error) {
	f := &fleet{cfg: cfg, clients: make([]*fanClient, cfg.N)}
	next := atomic.Int64{}
	var failed atomic.Pointer[error]
	var dialers sync.WaitGroup
	for range 16 {
		dialers.Go(func() {
			for failed.Load() == nil {
				i := int(next.Add(1) - 1)
				if i >= cfg.N {
					return
				}
				c, err := f.dial(i)
				if err != nil {
					err = fmt.Errorf("client %d: %w", i, err)
					failed.CompareAndSwap(nil, &err)
					return
				}
				f.clients[i] = c
			}
		})
	}
	dialers.Wait()
	if p := failed.Load(); p != nil {
		f.close()
		return nil, *p
	}
	deadline := time.Unix(0, cfg.Deadline)
	for _, c := range f.clients {
		f.wg.Add(1)
		go c.run(deadline, &f.wg)
	}
	return f, nil
}

func (f *fleet) dial(i int) (*fanClient, error) {
	c := &fanClient{}
	ns := i % f.cfg.Spaces
	token, vars := f.cfg.Token, map[string]any{}
	if f.cfg.Clients != nil {
		fc := f.cfg.Clients[i]
		ns, c.allowed, token = fc.NS, fc.Allowed, fc.Token
		vars["c"] = []string{fc.Cluster}
		if fc.Project != "" {
			vars["p"] = fc.Project
		}
	}
	ops := max(f.cfg.Ops, 1)
	for j := range ops {
		c.subs = append(c.subs, &fanSub{ns: (ns + j*f.cfg.Spaces/ops) % f.cfg.Spaces, lastSeq: -1})
	}
	c.ending = ops
	d := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &f.pool, HandshakeTimeout: 30 * time.Second}
	url := f.cfg.URL
	if f.cfg.GraphQL {
		d.Subprotocols = []string{"graphql-transport-ws"}
	} else {
		url += "?ns=" + fanoutNS(ns)
	}
	conn, resp, err := d.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	_ = resp.Body.Close()
	c.conn = conn
	if f.cfg.GraphQL {
		if err := c.handshake(token, vars); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	_ = conn.SetReadDeadline(time.Unix(0, f.cfg.Deadline))
	return c, nil
}

// handshake runs connection_init → connection_ack, then subscribes.
func (c *fanClient) handshake(token string, vars map[string]any) error {
	_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_ = c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}})
	if err := c.conn.WriteMessage(websocket.TextMessage, init); err != nil {
		return err
	}
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return fmt.Errorf("waiting for connection_ack: %w", err)
		}
		var m struct{ Type string }
		_ = json.Unmarshal(data, &m)
		if m.Type == "connection_ack" {
			break
		}
		if m.Type != "ping" && m.Type != "pong" {
			return fmt.Errorf("expected connection_ack, got %s", data)
		}
	}
	for j, s := range c.subs {
		vars["ns"] = []string{fanoutNS(s.ns)}
		sub, _ := json.Marshal(map[string]any{"id": strconv.Itoa(j + 1), "type": "subscribe", "payload": map[string]any{
			"query": fanoutQuery, "variables": vars}})
		if err := c.conn.WriteMessage(websocket.TextMessage, sub); err != nil {
			return err
		}
	}
	_ = c.conn.SetWriteDeadline(time.Time{})
	return nil
}

var pongFrame = []byte(`{"type":"pong"}`)

// run reads until every subscription's end marker, an error or the
// deadline, checking that each subscription's namespace's changes arrive
// once each, in order.
func (c *fanClient) run(deadline time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err.Error()
			return
		}
		now := time.Now().UnixNano()
		var m struct {
			ID      string
			Type    string
			Payload json.RawMessage
		}
		if err := json.Unmarshal(data, &m); err != nil {
			c.err = "bad frame: " + string(data)
			return
		}
		switch m.Type {
		case "next":
		case "ping":
			_ = c.conn.SetWriteDeadline(deadline)
			_ = c.conn.WriteMessage(websocket.TextMessage, pongFrame)
			continue
		case "pong":
			continue
		default:
			c.err = "unexpected " + string(data)
			return
		}
		var p struct {
			Data struct{ Changes fanChange }
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			c.err = "bad payload: " + string(m.Payload)
			return
		}
		s := c.subs[0]
		if len(c.subs) > 1 {
			j, err := strconv.Atoi(m.ID)
			if err != nil || j < 1 || j > len(c.subs) {
				c.err = "unknown operation id: " + string(data)
				return
			}
			s = c.subs[j-1]
		}
		ch := p.Data.Changes
		if c.allowed != nil && !slices.Contains(c.allowed, ch.ProjectID) {
			s.cross++
			continue
		}
		switch {
		case ch.Namespace != fanoutNS(s.ns):
			s.foreign++
			continue
		case ch.Object.Seq < 0: // end of the run
			if !s.ended {
				s.ended = true
				if c.ending--; c.ending == 0 {
					return
				}
			}
			continue
		case ch.Object.Seq == s.lastSeq:
			s.dups++
			continue
		case ch.Object.Seq < s.lastSeq || ch.Revision <= s.lastRev:
			s.disorder++
			continue
		}
		s.lastSeq, s.lastRev = ch.Object.Seq, ch.Revision
		s.lastRecv = now
		s.got++
		s.lat = append(s.lat, int32(min((now-ch.Object.Sent)/1000, 1<<31-1)))
	}
}

// wait collects the verdicts once every reader has stopped; the readers'
// deadline bounds it.
func (f *fleet) wait() fleetResult {
	f.wg.Wait()
	var res fleetResult
	var lat []int32
	for _, c := range f.clients {
		for _, s := range c.subs {
			res.Clients = append(res.Clients, clientResult{NS: s.ns, Got: s.got, Dups: s.dups, Disorder: s.disorder,
				Foreign: s.foreign, Cross: s.cross, Ended: s.ended, Err: c.errIfUnended()})
			res.LastRecv = max(res.LastRecv, s.lastRecv)
			lat = append(lat, s.lat...)
		}
	}
	res.Deliveries = int64(len(lat))
	if len(lat) > 0 {
		slices.Sort(lat)
		pct := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / 1000 }
		res.P50, res.P90, res.P99, res.P999 = pct(0.50), pct(0.90), pct(0.99), pct(0.999)
		res.Max = float64(lat[len(lat)-1]) / 1000
		var sum float64
		for _, v := range lat {
			sum += float64(v)
		}
		res.Mean = sum / float64(len(lat)) / 1000
	}
	return res
}

func (c *fanClient) errIfUnended() string {
	if c.ending == 0 {
		return ""
	}
	return c.err
}

func (f *fleet) drainBy(t time.Time) {
	for _, c := range f.clients {
		_ = c.conn.SetReadDeadline(t)
	}
}

func (f *fleet) close() {
	for _, c := range f.clients {
		if c != nil {
			_ = c.conn.Close()
		}
	}
}

// fleetHandle is a fleet in this process or in a child.
type fleetHandle interface {
	// ready blocks until every client is connected (and, for GraphQL, has
	// sent its subscribe); it reports the client side's memory when the
	// clients live in another process.
	ready(deadline time.Time) (fleetReady, error)
	results(deadline time.Time) (fleetResult, error)
	// drainBy moves every client's read deadline: once the last change is
	// sent, a client still waiting for it gives up at t.
	drainBy(t time.Time)
	stop()
}

// localFleet runs the clients in this process.
type localFleet struct {
	f    *fleet
	done chan error
}

func launchLocal(cfg fleetConfig) *localFleet {
	l := &localFleet{done: make(chan error, 1)}
	go func() {
		f, err := startFleet(cfg)
		l.f = f
		l.done <- err
	}()
	return l
}

func (l *localFleet) ready(deadline time.Time) (fleetReady, error) {
	select {
	case err := <-l.done:
		return fleetReady{Ready: err == nil}, err
	case <-time.After(time.Until(deadline)):
		return fleetReady{}, errors.New("clients not connected by the deadline")
	}
}

func (l *localFleet) results(deadline time.Time) (fleetResult, error) {
	done := make(chan fleetResult, 1)
	go func() { done <- l.f.wait() }()
	select {
	case r := <-done:
		return r, nil
	case <-time.After(time.Until(deadline)):
		l.f.close() // unblocks the readers
		return <-done, errors.New("clients did not finish by the deadline")
	}
}

func (l *localFleet) drainBy(t time.Time) { l.f.drainBy(t) }

func (l *localFleet) stop() {
	if l.f != nil {
		l.f.close()
	}
}

// procFleet runs the clients in a child process (the test binary itself),
// so each process holds one end of every connection.
type procFleet struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	exit  chan error
	once  sync.Once
	file  string // the configuration, when passed in a file
}

func launchProcess(cfg fleetConfig) (*procFleet, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(cfg)
	arg, file := string(raw), ""
	if len(raw) > 64<<10 {
		f, err := os.CreateTemp("", "bcs-fanout-fleet-*.json")
		if err != nil {
			return nil, err
		}
		file = f.Name()
		_, err = f.Write(raw)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(file)
			return nil, err
		}
		arg = "@" + file
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), fleetEnv+"="+arg)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &procFleet{cmd: cmd, stdin: stdin, lines: make(chan string, 4), exit: make(chan error, 1), file: file}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), fleetLine); ok {
				p.lines <- line
			}
		}
		close(p.lines)
		p.exit <- cmd.Wait()
	}()
	return p, nil
}

func (p *procFleet) line(deadline time.Time) (string, error) {
	select {
	case l, ok := <-p.lines:
		if !ok {
			return "", fmt.Errorf("client process ended: %v", <-p.exit)
		}
		return l, nil
	case <-time.After(time.Until(deadline)):
		return "", errors.New("client process: no answer by the deadline")
	}
}

func (p *procFleet) ready(deadline time.Time) (fleetReady, error) {
	l, err := p.line(deadline)
	if err != nil {
		return fleetReady{}, err
	}
	var r fleetReady
	if err := json.Unmarshal([]byte(l), &r); err != nil {
		return r, fmt.Errorf("client process: %q: %w", l, err)
	}
	if r.Error != "" {
		return r, errors.New("client process: " + r.Error)
	}
	return r, nil
}

func (p *procFleet) results(deadline time.Time) (fleetResult, error) {
	var r fleetResult
	l, err := p.line(deadline)
	if err != nil {
		return r, err
	}
	return r, json.Unmarshal([]byte(l), &r)
}

func (p *procFleet) drainBy(t time.Time) {
	_, _ = fmt.Fprintf(p.stdin, "drain %d\n", t.UnixNano())
}

// stop ends the child: closing its stdin tells it to exit; it is killed
// (by its own pid) if it has not within 10 s.
func (p *procFleet) stop() {
	p.once.Do(func() {
		if p.file != "" {
			_ = os.Remove(p.file)
		}
		_ = p.stdin.Close()
		go func() {
			for range p.lines { // drain so the reader reaches Wait
			}
		}()
		select {
		case <-p.exit:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exit
		}
	})
}

// fleetChildMain is the child process: connect, report, wait, report.
func fleetChildMain(raw string) int {
	emit := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintln(os.Stdout, fleetLine+string(b))
	}
	var cfg fleetConfig
	data := []byte(raw)
	if path, ok := strings.CutPrefix(raw, "@"); ok {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			emit(fleetReady{Error: err.Error()})
			return 2
		}
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		emit(fleetReady{Error: err.Error()})
		return 2
	}
	raiseNoFile(uint64(cfg.N) + 256)
	// The parent closing stdin (or dying) ends this process; "drain <ns>"
	// moves the clients' read deadline.
	var (
		finished atomic.Bool
		running  atomic.Pointer[fleet]
	)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "drain "); ok {
				if ns, err := strconv.ParseInt(v, 10, 64); err == nil {
					if f := running.Load(); f != nil {
						f.drainBy(time.Unix(0, ns))
					}
				}
			}
		}
		if finished.Load() {
			os.Exit(0)
		}
		os.Exit(3)
	}()
	before := readMem()
	start := time.Now()
	f, err := startFleet(cfg)
	if err != nil {
		emit(fleetReady{Error: err.Error()})
		return 1
	}
	running.Store(f)
	connect := time.Since(start)
	after := readMem()
	emit(fleetReady{Ready: true, GoMem: after.goMem() - before.goMem(), Heap: int64(after.Heap) - int64(before.Heap),
		RSS: after.RSS - before.RSS, ConnectMS: connect.Milliseconds()})
	cpu := cpuTime()
	res := f.wait()
	res.CPU = cpuTime() - cpu
	f.close()
	finished.Store(true)
	emit(res)
	return 0
}

// memSample is the process's memory after a collection.
type memSample struct {
	Heap, Stack uint64 // HeapInuse, StackInuse
	RSS         int64  // VmRSS, bytes
}

func (m memSample) goMem() int64 { return int64(m.Heap + m.Stack) }

func readMem() memSample {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{Heap: ms.HeapInuse, Stack: ms.StackInuse, RSS: vmRSS()}
}

func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// raiseNoFile lifts RLIMIT_NOFILE towards want (the hard limit too, which
// needs privilege) and returns the soft limit in force.
func raiseNoFile(want uint64) uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	if r.Max < want {
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: want, Max: want})
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r)
	}
	if r.Cur < r.Max {
		r.Cur = r.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r)
	}
	return r.Cur
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func openFDs() int {
	es, _ := os.ReadDir("/proc/self/fd")
	return len(es)
}

// floorServer is the floor: a bare gorilla broadcast of the same payloads,
// each socket registered under the namespace in its URL, one writer
// goroutine per socket fed by a bounded queue (overflow is counted as a
// drop, as the hub closes a slow subscriber).
type floorServer struct {
	mu      sync.Mutex
	byNS    [][]chan []byte
	joined  atomic.Int64
	dropped atomic.Int64
	pool    sync.Pool
}

func newFloorServer(spaces int) *floorServer {
	return &floorServer{byNS: make([][]chan []byte, spaces)}
}

func (s *floorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ns := -1
	for i := range s.byNS {
		if fanoutNS(i) == r.URL.Query().Get("ns") {
			ns = i
		}
	}
	if ns < 0 {
		http.Error(w, "ns", http.StatusBadRequest)
		return
	}
	up := websocket.Upgrader{WriteBufferPool: &s.pool, CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	out := make(chan []byte, 64)
	s.mu.Lock()
	s.byNS[ns] = append(s.byNS[ns], out)
	s.mu.Unlock()
	s.joined.Add(1)
	go func() {
		for f := range out {
			_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if c.WriteMessage(websocket.TextMessage, f) != nil {
				_ = c.Close()
				for range out {
				}
				return
			}
		}
	}()
	for {
		if _, _, err := c.NextReader(); err != nil {
			break
		}
	}
	s.mu.Lock()
	s.byNS[ns] = slices.DeleteFunc(s.byNS[ns], func(o chan []byte) bool { return o == out })
	s.mu.Unlock()
	s.joined.Add(-1)
	close(out)
}

func (s *floorServer) publish(ns int, frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.byNS[ns] {
		select {
		case o <- frame:
		default:
			s.dropped.Add(1)
		}
	}
}

// fanEvent is one produced change.
type fanEvent struct {
	Seq  int64
	NS   int
	Sent int64
}

// produce sends rate changes per second for dur, a batch per 10 ms tick,
// namespaces in turn, and returns how many went to each namespace.
func produce(rate float64, dur time.Duration, spaces int, send func([]fanEvent) error) (counts []int64, elapsed time.Duration, err error) {
	counts = make([]int64, spaces)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	var seq int64
	for {
		now := <-tick.C
		el := min(now.Sub(start), dur)
		due := int64(rate*el.Seconds()) - seq
		batch := make([]fanEvent, 0, max(due, 0))
		sent := time.Now().UnixNano()
		for range due {
			ns := int(seq % int64(spaces))
			batch = append(batch, fanEvent{Seq: seq, NS: ns, Sent: sent})
			counts[ns]++
			seq++
		}
		if len(batch) > 0 {
			if err := send(batch); err != nil {
				return counts, time.Since(start), err
			}
		}
		if el >= dur {
			return counts, time.Since(start), nil
		}
	}
}

// endMarkers is one end-of-run change per namespace.
func endMarkers(spaces int) []fanEvent {
	out := make([]fanEvent, spaces)
	now := time.Now().UnixNano()
	for i := range out {
		out[i] = fanEvent{Seq: -1, NS: i, Sent: now}
	}
	return out
}

// floorFrame is the graphql-transport-ws next message BCS sends for a change.
func floorFrame(rev int64, project, ns, name string, obj map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"id": "1", "type": "next", "payload": map[string]any{"data": map[string]any{"changes": map[string]any{
		"revision": rev, "projectID": project, "namespace": ns, "name": name, "object": obj}}}})
	return b
}

// fanObjectMap is the Object of a produced change.
func fanObjectMap(e fanEvent) map[string]any { return map[string]any{"seq": e.Seq, "sent": e.Sent} }

// fanName rotates ten ConfigMaps per namespace; the end marker is "end".
func fanName(e fanEvent, spaces int) string {
	if e.Seq < 0 {
		return "end"
	}
	return fmt.Sprintf("cm-%d", (e.Seq/int64(spaces))%10)
}

// waitUntil polls cond every 20 ms until it holds or the deadline passes.
func waitUntil(deadline time.Time, cond func() bool) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// envInt reads a positive number from the environment.
func envNumber(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return def
}

// commitProbe follows every change on the hub itself and records how long
// after the producer sent it the hub dispatched it: the share of the
// delivery latency spent before fan-out (writer batching, the commit).
type commitProbe struct {
	done chan struct{}
	stop func()
	lat  []float64 // ms
}

func startCommitProbe(b *testing.B, h *hub.Hub) *commitProbe {
	sub, err := h.Subscribe(system(), changelog.Filter{AllProjects: true}, nil, 1<<16)
	if err != nil {
		b.Fatalf("commit probe: %v", err)
	}
	p := &commitProbe{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for c := range sub.C {
			var sent int64
			switch v := c.Object["sent"].(type) {
			case int64:
				sent = v
			case float64:
				sent = int64(v)
			}
			if seq, _ := c.Object["seq"].(int64); sent > 0 && seq >= 0 {
				p.lat = append(p.lat, float64(time.Now().UnixNano()-sent)/1e6)
			}
		}
	}()
	b.Cleanup(sub.Close)
	p.stop = sub.Close
	return p
}

// result stops the probe and returns its p50 and p99 in ms.
func (p *commitProbe) result() (p50, p99 float64) {
	p.stop()
	<-p.done
	if len(p.lat) == 0 {
		return 0, 0
	}
	slices.Sort(p.lat)
	at := func(q float64) float64 { return p.lat[min(len(p.lat)-1, int(q*float64(len(p.lat))))] }
	return at(0.5), at(0.99)
}
