package streams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Defaults for Options.
const (
	DefaultIdleTimeout       = 15 * time.Minute
	DefaultMaxDuration       = 4 * time.Hour
	DefaultMaxRecordingBytes = 4 << 20
)

// Options configure a Handler. Zero values take the defaults above.
type Options struct {
	// IdleTimeout ends a relayed session in which neither side sent data
	// for this long.
	IdleTimeout time.Duration
	// MaxDuration ends any session, relayed or passed through, this long
	// after it began.
	MaxDuration time.Duration
	// MaxRecordingBytes caps one session's recording.
	MaxRecordingBytes int
	// Store keeps sessions; nil keeps none (they are still logged).
	Store Store
	// Log receives session starts and ends; slog.Default() when nil.
	Log *slog.Logger
	// Metrics registers the sessions' series (bcs_kube_stream_…); nil
	// registers none.
	Metrics prometheus.Registerer
}

// Handler serves exec, attach and port-forward requests for the proxy.
type Handler struct {
	opts     Options
	log      *slog.Logger
	metrics  *metrics
	upgrader websocket.Upgrader
}

// New returns a Handler; its ServeStream is the proxy's Streams hook.
func New(opts Options) *Handler {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxDuration <= 0 {
		opts.MaxDuration = DefaultMaxDuration
	}
	if opts.MaxRecordingBytes <= 0 {
		opts.MaxRecordingBytes = DefaultMaxRecordingBytes
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	return &Handler{
		opts:    opts,
		log:     log,
		metrics: newMetrics(opts.Metrics),
		// The default CheckOrigin refuses a browser page of another origin
		// (cross-site websocket hijacking); kubectl sends no Origin.
		// 32 KiB buffers: kubectl reads stdin and the API server writes
		// output in chunks of that size, each then one frame.
		upgrader: websocket.Upgrader{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10},
	}
}

// target is a parsed pods/{exec,attach,portforward} request.
type target struct {
	path      string // from /api/v1/…, as the API server serves it
	namespace string
	pod       string
	kind      Kind
}

// parseTarget finds /api/v1/namespaces/{ns}/pods/{pod}/{kind} in a path
// that may carry the proxy's own prefix (/clusters/{id}/k8s).
func parseTarget(p string) (target, error) {
	i := strings.Index(p, "/api/v1/namespaces/")
	if i < 0 {
		return target{}, errors.New("not a pod subresource path")
	}
	parts := strings.Split(strings.TrimPrefix(p[i:], "/api/v1/namespaces/"), "/")
	if len(parts) != 4 || parts[0] == "" || parts[1] != "pods" || parts[2] == "" {
		return target{}, errors.New("not a pod subresource path")
	}
	t := target{path: p[i:], namespace: parts[0], pod: parts[2], kind: Kind(parts[3])}
	switch t.kind {
	case Exec, Attach, PortForward:
		return t, nil
	}
	return target{}, fmt.Errorf("pods/%s is not a stream", parts[3])
}

// ServeStream serves one exec, attach or port-forward request for up. It
// has the signature of internal/kubeproxy's Streams hook.
func (h *Handler) ServeStream(w http.ResponseWriter, r *http.Request, up Upstream) {
	path := up.Path
	if path == "" {
		path = r.URL.Path
	}
	t, err := parseTarget(path)
	if err != nil {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, err.Error())
		return
	}
	if (up.Namespace != "" && up.Namespace != t.namespace) || (up.Pod != "" && up.Pod != t.pod) ||
		(up.Subresource != "" && Kind(up.Subresource) != t.kind) {
		// The proxy and this package must agree on what is opened: the
		// proxy authorized up, the path is what would be dialled.
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "the path names another pod than the proxy resolved")
		return
	}
	q := r.URL.Query()
	s := &Session{
		Kind:      t.kind,
		User:      up.User,
		ProjectID: up.ProjectID,
		ClusterID: up.ClusterID,
		Namespace: t.namespace,
		Pod:       t.pod,
		Container: q.Get("container"),
		Command:   recordedCommand(q["command"]),
		TTY:       flag(q.Get("tty")),
		Stdin:     flag(q.Get("stdin")),
	}
	u := *up.URL
	u.Path = strings.TrimSuffix(u.Path, "/") + t.path
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	if t.kind != PortForward && websocket.IsWebSocketUpgrade(r) {
		if proto := pickProtocol(websocket.Subprotocols(r)); proto != "" {
			s.Protocol, s.Recordable = proto, true
			h.relay(w, r, up, &u, s)
			return
		}
	}
	h.passthrough(w, r, up, &u, s)
}

// flag reads a boolean query parameter the way the API server does.
func flag(v string) bool {
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// begin starts a session in the store. A store that fails refuses the
// session: an exec that cannot be audited does not run.
func (h *Handler) begin(ctx context.Context, s *Session) error {
	s.Started = time.Now()
	if h.opts.Store != nil {
		if err := h.opts.Store.Start(ctx, s); err != nil {
			h.log.ErrorContext(ctx, "exec session: store start", "err", err)
			return err
		}
	}
	h.metrics.active.WithLabelValues(string(s.Kind)).Inc()
	h.log.InfoContext(ctx, "stream session started", h.attrs(s)...)
	return nil
}

// end finishes a session; the request may be gone, the record is not.
func (h *Handler) end(ctx context.Context, s *Session) {
	s.Ended = time.Now()
	ctx = context.WithoutCancel(ctx)
	h.metrics.active.WithLabelValues(string(s.Kind)).Dec()
	h.metrics.ended.WithLabelValues(string(s.Kind), endLabel(s)).Inc()
	if s.Record {
		h.metrics.recorded.Add(float64(len(s.Recording)))
	}
	if h.opts.Store != nil {
		if err := h.opts.Store.Finish(ctx, s); err != nil {
			h.log.ErrorContext(ctx, "exec session: store finish", "session", s.ID, "err", err)
		}
	}
	h.log.InfoContext(ctx, "stream session ended", append(h.attrs(s),
		"status", s.Status, "duration", s.Ended.Sub(s.Started).Round(time.Millisecond))...)
}

func (h *Handler) attrs(s *Session) []any {
	return []any{"session", s.ID, "kind", s.Kind, "user", s.User, "project", s.ProjectID,
		"cluster", s.ClusterID, "namespace", s.Namespace, "pod", s.Pod, "container", s.Container,
		"protocol", s.Protocol}
}

// refused records an upstream's refusal on a session.
func refused(s *Session, code int, status string) {
	s.Refused = true
	s.Denied = code == http.StatusUnauthorized || code == http.StatusForbidden
	s.Status = "refused: " + status
}

// passthrough proxies an upgrade it does not decode (SPDY, port-forward)
// byte for byte, bounded by MaxDuration.
func (h *Handler) passthrough(w http.ResponseWriter, r *http.Request, up Upstream, u *url.URL, s *Session) {
	s.Protocol = r.Header.Get("Upgrade")
	if v := r.Header.Get("X-Stream-Protocol-Version"); v != "" {
		s.Protocol += " " + v
	}
	if err := h.begin(r.Context(), s); err != nil {
		writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "BCS cannot record this session now")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.MaxDuration)
	defer cancel()
	rec := &statusRecorder{ResponseWriter: w}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = u
			pr.Out.Host = ""
			scrub(pr.Out.Header)
		},
		Transport:     up.Transport,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			h.log.WarnContext(r.Context(), "stream passthrough", "session", s.ID, "err", err)
			if rec.code != 0 {
				return
			}
			msg := "the cluster's API server cannot be reached"
			if strings.Contains(err.Error(), "http2") {
				// An upgrade cannot cross HTTP/2, and only websocket
				// upgrades make Go's transport fall back to HTTP/1.1.
				msg = "BCS reaches this cluster over HTTP/2, which cannot carry a SPDY upgrade: use kubectl 1.30 or later (websockets)"
			}
			writeStatus(w, http.StatusBadGateway, metav1.StatusReasonServiceUnavailable, msg)
		},
	}
	// ReverseProxy closes an upgraded connection when the outgoing
	// request's context ends: that is the time limit.
	rp.ServeHTTP(rec, r.WithContext(ctx))
	switch {
	case r.Context().Err() != nil:
		s.Status = "ended: " + context.Cause(r.Context()).Error()
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		s.Status = "time limit"
	case rec.code == http.StatusSwitchingProtocols:
		s.Status = "closed"
	default:
		refused(s, rec.code, strconv.Itoa(rec.code)+" "+http.StatusText(rec.code))
	}
	h.end(r.Context(), s)
}

// scrub removes what a client may send that must never reach a cluster:
// its own credentials and identity claims. The upstream's transport adds
// BCS's, and client-go's round trippers keep an Authorization they find.
func scrub(h http.Header) {
	for k := range h {
		lk := strings.ToLower(k)
		if lk == "authorization" || lk == "proxy-authorization" || lk == "cookie" ||
			strings.HasPrefix(lk, "impersonate-") || strings.HasPrefix(lk, "x-remote-") {
			delete(h, k)
		}
	}
}
