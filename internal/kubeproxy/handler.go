package kubeproxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/auth"
)

// Prefix is where the proxy is mounted: /clusters/{clusterID}/k8s/….
const Prefix = "/clusters/"

// Handler serves /clusters/{clusterID}/k8s/….
type Handler struct {
	Client *ent.Client
	Auth   *auth.Authenticator
	// Session, if set, lets the console's session cookie stand in for a
	// bearer token (internal/server applies /query's rules).
	Session SessionFunc
	// Upstream opens a cluster: clusters.Connector.Upstream.
	Upstream func(ctx context.Context, c *ent.Cluster) (*url.URL, http.RoundTripper, error)
	// Streams, when set, serves exec, attach and port-forward (after the
	// project's exec switch); nil: they pass through like any request.
	Streams func(w http.ResponseWriter, r *http.Request, up Upstream)
	// IdleTimeout ends a watch or followed log that sent nothing for so
	// long; MaxDuration ends any long request, upgraded streams included.
	// Zero: no limit.
	IdleTimeout, MaxDuration time.Duration
	// Hold, if set, takes one of the token's slots for a long request
	// (watch, followed log, stream) until it ends; false refuses it (429).
	Hold func(tokenID string) (release func(), ok bool)
	// Allow, if set, applies the per-token rate limit: false refuses the
	// request (429) for the duration it answers.
	Allow   func(tokenID string) (time.Duration, bool)
	Metrics *Metrics
	Log     *slog.Logger
	// RequestID names the HTTP request in logs and audit entries.
	RequestID func(context.Context) string
}

// errLimit ends long requests at IdleTimeout or MaxDuration.
var errLimit = errors.New("kubernetes proxy: stream time limit reached")

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	clusterID, path, ok := splitPath(r.URL.Path)
	if !ok {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "no such path: use /clusters/{clusterID}/k8s/…")
		return
	}
	r, v, ok := h.authenticate(w, r, clusterID)
	if !ok {
		return
	}
	if h.Allow != nil {
		if wait, ok := h.Allow(string(v.TokenID)); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeStatus(w, http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests,
				"too many requests for this token; retry after "+wait.Round(time.Millisecond).String())
			return
		}
	}
	c, role, ok := h.cluster(w, r, v, clusterID)
	if !ok {
		return
	}
	q := parseRequest(r, path)
	if q.Verb == "create" && q.Name == "" {
		q.Name = createdName(r)
	}
	rec := &recorder{ResponseWriter: w}
	code := h.serve(rec, r, v, c, role, q, path)
	took := time.Since(start)
	if !rec.at.IsZero() { // a watch or stream counts until its headers
		took = rec.at.Sub(start)
	}
	h.Metrics.observe(clusterID, q.Verb, code, took)
	if mutating(r) {
		h.audit(r.Context(), v, c, q, code, h.RequestID(r.Context()))
	}
}

// splitPath takes /clusters/{id}/k8s/rest apart.
func splitPath(p string) (clusterID, rest string, ok bool) {
	tail, ok := strings.CutPrefix(p, Prefix)
	if !ok {
		return "", "", false
	}
	clusterID, rest, ok = strings.Cut(tail, "/")
	if !ok || clusterID == "" {
		return "", "", false
	}
	rest, ok = strings.CutPrefix(rest, "k8s")
	if !ok || (rest != "" && rest[0] != '/') {
		return "", "", false
	}
	if rest == "" {
		rest = "/"
	}
	return clusterID, rest, true
}

// cluster loads the cluster the viewer may reach, answering 404 for one
// that does not exist or belongs to a project the viewer is not in alike.
func (h *Handler) cluster(w http.ResponseWriter, r *http.Request, v *auth.Viewer, id string) (*ent.Cluster, member.Role, bool) {
	c, err := h.Client.Cluster.Get(auth.System(r.Context()), gid.ID(id))
	if err != nil && !ent.IsNotFound(err) {
		h.internal(w, r, "load cluster", err)
		return nil, "", false
	}
	var role member.Role
	isMember := false
	if err == nil {
		role, isMember = v.Roles[c.ProjectID]
	}
	if err != nil || (!isMember && !v.Admin) || c.Status == cluster.StatusREMOVED || c.Status == cluster.StatusREMOVING {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("cluster %q not found", id))
		return nil, "", false
	}
	if c.Kind != cluster.KindK8S {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest,
			fmt.Sprintf("cluster %q is a %s cluster: the Kubernetes proxy serves Kubernetes clusters only", id, c.Kind))
		return nil, "", false
	}
	return c, role, true
}

// groups are the viewer's groups in the cluster: their project role's,
// and bcs:admin for platform admins.
func groups(v *auth.Viewer, role member.Role) []string {
	g := make([]string, 0, 3)
	if role != "" {
		g = append(g, userPrefix+strings.ToLower(string(role)))
	}
	if v.Admin {
		g = append(g, AdminGroup)
	}
	return append(g, "system:authenticated")
}

// serve proxies one authorized request and answers its status code.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, v *auth.Viewer, c *ent.Cluster, role member.Role, q request, path string) int {
	if q.stream() {
		if code, ok := h.mayExec(w, r, v, c, role); !ok {
			return code
		}
	}
	base, rt, err := h.Upstream(r.Context(), c)
	if err != nil {
		h.Log.WarnContext(r.Context(), "kubernetes proxy: cluster not opened", "cluster", c.ID, "request_id", h.RequestID(r.Context()), "err", err)
		writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
			fmt.Sprintf("cluster %q cannot be reached now (request id %s)", c.ID, h.RequestID(r.Context())))
		return http.StatusServiceUnavailable
	}
	rt = &impersonating{rt: rt, user: v.UserName, groups: groups(v, role)}
	ctx := r.Context()
	if q.long(r) {
		if h.Hold != nil {
			release, ok := h.Hold(string(v.TokenID))
			if !ok {
				writeStatus(w, http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests,
					"too many open watches and streams for this token through BCS; close one first")
				return http.StatusTooManyRequests
			}
			defer release()
		}
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		// A stream outlives no revocation or change of role.
		h.Auth.Watch(ctx, v, cancel)
		// Exec, attach and port-forward sessions handed to Streams are
		// bounded there (its MaxDuration defaults to this one), so that a
		// longer --exec-max-duration is not cut short here.
		if h.MaxDuration > 0 && !(q.stream() && h.Streams != nil) {
			var stop context.CancelFunc
			ctx, stop = context.WithTimeoutCause(ctx, h.MaxDuration, errLimit)
			defer stop()
		}
		// Idleness is seen in what the response writes; an upgraded
		// connection is hijacked from the writer, so its idle limit is the
		// stream handler's (Streams) and only MaxDuration holds here.
		if h.IdleTimeout > 0 && r.Header.Get("Upgrade") == "" {
			iw := newIdleWriter(w, h.IdleTimeout, func() { cancel(errLimit) })
			defer iw.stop()
			w = iw
		}
		r = r.WithContext(ctx)
	}
	if q.stream() && h.Streams != nil {
		in := r.Clone(ctx)
		stripCredentials(in.Header)
		rec := &recorder{ResponseWriter: w}
		h.Streams(rec, in, Upstream{URL: base, Transport: rt, User: v.UserName, ProjectID: string(c.ProjectID),
			ClusterID: string(c.ID), Namespace: q.Namespace, Pod: q.Name, Subresource: q.Subresource, Path: path})
		return rec.code()
	}
	return h.proxy(w, r, base, rt, path)
}

// mayExec applies the project's exec switch: the lowest role that may
// exec, attach or port-forward (platform admins always may).
func (h *Handler) mayExec(w http.ResponseWriter, r *http.Request, v *auth.Viewer, c *ent.Cluster, role member.Role) (int, bool) {
	if v.Admin {
		return 0, true
	}
	p, err := h.Client.Project.Get(auth.System(r.Context()), c.ProjectID)
	if err != nil {
		h.internal(w, r, "load project", err)
		return http.StatusInternalServerError, false
	}
	if auth.RoleRank(role) < auth.RoleRank(member.Role(p.ExecMinRole)) {
		writeStatus(w, http.StatusForbidden, metav1.StatusReasonForbidden,
			fmt.Sprintf("exec, attach and port-forward in this project need the role %s or above (yours: %s)", p.ExecMinRole, role))
		return http.StatusForbidden, false
	}
	return 0, true
}

// proxy forwards the request; watches and followed logs are flushed as
// each chunk arrives, upgrades (SPDY, websocket) pass through.
func (h *Handler) proxy(w http.ResponseWriter, r *http.Request, base *url.URL, rt http.RoundTripper, path string) int {
	code := 0
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = base.Scheme, base.Host
			pr.Out.URL.Path, pr.Out.URL.RawPath = base.Path+path, ""
			pr.Out.Host = ""
			stripCredentials(pr.Out.Header)
		},
		Transport:     rt,
		FlushInterval: -1,
		ModifyResponse: func(res *http.Response) error {
			code = res.StatusCode
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if cause := context.Cause(r.Context()); cause != nil {
				code = 499 // the client left, a limit or a revocation ended it
				h.Log.DebugContext(r.Context(), "kubernetes proxy: request ended", "cause", cause)
				return
			}
			code = http.StatusBadGateway
			h.Log.WarnContext(r.Context(), "kubernetes proxy: upstream failed", "request_id", h.RequestID(r.Context()), "err", err)
			writeStatus(w, code, metav1.StatusReasonServiceUnavailable,
				"the cluster's API server did not answer (request id "+h.RequestID(r.Context())+")")
		},
		ErrorLog: slog.NewLogLogger(h.Log.Handler(), slog.LevelDebug),
	}
	p.ServeHTTP(w, r)
	return code
}

func (h *Handler) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	id := h.RequestID(r.Context())
	h.Log.ErrorContext(r.Context(), "kubernetes proxy: "+what, "request_id", id, "err", err)
	writeStatus(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, "internal error (request id "+id+")")
}
