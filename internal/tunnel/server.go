package tunnel

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rancher/remotedialer"

	"github.com/bcs-io/bcs/orchestrators"
)

// Server holds the agents' tunnels connected to this replica, by cluster.
type Server struct {
	rd      *remotedialer.Server
	log     *slog.Logger
	recheck time.Duration
	max     int

	mu   sync.Mutex
	live map[string]map[*session]struct{}

	peerToken string
	peerMu    sync.Mutex
	peers     map[string]string // replica id → base URL

	connected prometheus.Gauge
	sessions  *prometheus.CounterVec
	bytes     *prometheus.CounterVec
}

// Options configure a Server.
type Options struct {
	Log *slog.Logger
	// Registerer takes the tunnel metrics (nil: none registered).
	Registerer prometheus.Registerer
	// Recheck is how often a connected agent's credential is checked again
	// (Serve's still); default 30 s.
	Recheck time.Duration
	// MaxPerCluster bounds the tunnels one cluster keeps here (default 2):
	// a new one beyond it replaces the oldest, which is most likely one
	// whose network vanished without a close, so that a holder of the key
	// cannot pile up connections and a reconnecting agent is never locked
	// out by its own stale session.
	MaxPerCluster int
}

// session is one connected websocket.
type session struct {
	cluster string
	start   time.Time
	conn    net.Conn // the hijacked connection; closing it ends the session
	why     string   // set by whoever closes it: revoked, dropped
	done    chan struct{}
}

// clusterKey carries the cluster an authenticated request tunnels for from
// Serve to remotedialer's authorizer.
type clusterKey struct{}

// NewServer returns a Server with no tunnels.
func NewServer(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Recheck <= 0 {
		o.Recheck = 30 * time.Second
	}
	if o.MaxPerCluster <= 0 {
		o.MaxPerCluster = 2
	}
	bridgeLogrus(o.Log)
	s := &Server{log: o.Log, recheck: o.Recheck, max: o.MaxPerCluster, live: map[string]map[*session]struct{}{},
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bcs_tunnels_connected",
			Help: "Agent tunnels connected to this replica.",
		}),
		sessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bcs_tunnel_sessions_total",
			Help: "Agent tunnel sessions ended, by why (closed, revoked, dropped, replaced, shutdown).",
		}, []string{"end"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bcs_tunnel_bytes_total",
			Help: "Bytes carried through agent tunnels by BCS's connections, by direction (sent, received).",
		}, []string{"direction"}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(s.connected, s.sessions, s.bytes)
	}
	s.rd = remotedialer.New(func(r *http.Request) (string, bool, error) {
		id, ok := r.Context().Value(clusterKey{}).(string)
		return id, ok && id != "", nil
	}, func(w http.ResponseWriter, _ *http.Request, code int, err error) {
		http.Error(w, err.Error(), code)
	})
	return s
}

// Serve runs one agent's tunnel for clusterID until it disconnects, is
// dropped, or still answers an error (checked every Recheck: a removed
// cluster or revoked agent key loses its tunnel on every replica, not only
// the one that removed it). The caller has authenticated the agent.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, clusterID string, still func(context.Context) error) {
	sess := &session{cluster: clusterID, start: time.Now(), done: make(chan struct{})}
	defer close(sess.done)
	hw := &hijackWriter{ResponseWriter: w, hijacked: func(c net.Conn) { s.add(sess, c) }}
	ctx, cancel := context.WithCancel(context.WithValue(r.Context(), clusterKey{}, clusterID))
	defer cancel()
	go s.watch(ctx, sess, still)
	start := time.Now()
	s.rd.ServeHTTP(hw, r.WithContext(ctx))
	if sess.conn == nil {
		return // the upgrade failed; remotedialer answered
	}
	// remotedialer leaves the hijacked connection open when a session
	// ends on an error (the agent would then wait for its ping timeout).
	_ = sess.conn.Close()
	why := s.remove(sess)
	s.sessions.WithLabelValues(why).Inc()
	s.log.Info("agent tunnel disconnected", "cluster", clusterID, "end", why, "after", time.Since(start).Round(time.Millisecond))
}

// watch re-checks the agent's credential while its session lives.
func (s *Server) watch(ctx context.Context, sess *session, still func(context.Context) error) {
	t := time.NewTicker(s.recheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := still(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("agent tunnel refused on re-check; closing it", "cluster", sess.cluster, "err", err)
			s.closeSession(sess, "revoked")
			return
		}
	}
}

func (s *Server) add(sess *session, c net.Conn) {
	s.mu.Lock()
	sess.conn = c
	set := s.live[sess.cluster]
	if set == nil {
		set = map[*session]struct{}{}
		s.live[sess.cluster] = set
	}
	var oldest *session
	if len(set) >= s.max {
		for other := range set {
			if oldest == nil || other.start.Before(oldest.start) {
				oldest = other
			}
		}
	}
	set[sess] = struct{}{}
	s.mu.Unlock()
	s.connected.Inc()
	s.log.Info("agent tunnel connected", "cluster", sess.cluster, "remote", c.RemoteAddr().String())
	if oldest != nil {
		s.log.Warn("agent tunnel replaced by a newer one", "cluster", sess.cluster)
		s.closeSession(oldest, "replaced")
	}
}

// remove forgets an ended session and says why it ended.
func (s *Server) remove(sess *session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.live[sess.cluster]
	delete(set, sess)
	if len(set) == 0 {
		delete(s.live, sess.cluster)
	}
	s.connected.Dec()
	if sess.why == "" {
		return "closed"
	}
	return sess.why
}

func (s *Server) closeSession(sess *session, why string) {
	s.mu.Lock()
	c := sess.conn
	if sess.why == "" {
		sess.why = why
	}
	s.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// Drop closes every tunnel of a cluster on this replica (it was removed)
// and returns once they are gone (or after a few seconds: a session's
// end does not wait for the websocket's peer).
func (s *Server) Drop(clusterID string) {
	s.mu.Lock()
	var all []*session
	for sess := range s.live[clusterID] {
		all = append(all, sess)
	}
	s.mu.Unlock()
	for _, sess := range all {
		s.log.Info("dropping agent tunnel", "cluster", clusterID)
		s.closeSession(sess, "dropped")
	}
	timeout := time.After(5 * time.Second)
	for _, sess := range all {
		select {
		case <-sess.done:
		case <-timeout:
			s.log.Warn("agent tunnel slow to close", "cluster", clusterID)
			return
		}
	}
}

// Close closes every tunnel on this replica (the server is shutting
// down), so that agents reconnect at once, to another replica behind the
// same address or to this one's successor.
func (s *Server) Close() {
	s.mu.Lock()
	var all []*session
	for _, set := range s.live {
		for sess := range set {
			all = append(all, sess)
		}
	}
	s.mu.Unlock()
	for _, sess := range all {
		s.closeSession(sess, "shutdown")
	}
}

// Connected reports whether a tunnel of the cluster is reachable from this
// replica: connected here, or to a peer.
func (s *Server) Connected(clusterID string) bool { return s.rd.HasSession(clusterID) }

// Dial returns the dial through a cluster's tunnel, here or on a peer.
// Without one it fails at once with an error wrapping
// orchestrators.ErrNoTunnel.
func (s *Server) Dial(clusterID string) orchestrators.DialFunc {
	through := s.rd.Dialer(clusterID)
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if !s.rd.HasSession(clusterID) {
			return nil, fmt.Errorf("cluster %s: %w", clusterID, orchestrators.ErrNoTunnel)
		}
		c, err := through(ctx, network, address)
		if err != nil {
			// The session went away between the check and the dial.
			return nil, fmt.Errorf("cluster %s: %w: %w", clusterID, orchestrators.ErrNoTunnel, err)
		}
		return &counted{Conn: c, s: s}, nil
	}
}

// counted counts the bytes of one connection through a tunnel.
type counted struct {
	net.Conn
	s *Server
}

func (c *counted) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.s.bytes.WithLabelValues("received").Add(float64(n))
	return n, err
}

func (c *counted) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.s.bytes.WithLabelValues("sent").Add(float64(n))
	return n, err
}

// hijackWriter tells Serve the connection remotedialer's upgrade hijacks,
// so that Drop can close it: remotedialer has no call to end a session.
type hijackWriter struct {
	http.ResponseWriter
	hijacked func(net.Conn)
}

func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("tunnel: %w", err)
	}
	h.hijacked(c)
	return c, rw, nil
}

// Unwrap lets http.ResponseController reach the writer's other methods.
func (h *hijackWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }
