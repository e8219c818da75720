package scheduler

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// RPCPrefix is where a replica serves the scheduler calls other replicas
// forward to it: <RPCPrefix><cluster>/<operation>.
const RPCPrefix = "/internal/mesos-scheduler/"

// Forwarding serves calls forwarded between replicas for Mesos clusters:
// each replica runs a scheduler instance per cluster it is asked about, one
// of which leads, and the others send API calls to the leader's. The route
// sits outside GraphQL's token auth: callers are replicas, which sign each
// call with the cluster's RPC key (SignRPC).
type Forwarding struct {
	// Key is a cluster's RPC key; nil refuses every call.
	Key func(clusterID string) []byte
	// Lookup is this replica's scheduler instance of a cluster, started if
	// need be; NotFound tells its error for a cluster that is not there.
	Lookup   func(ctx context.Context, clusterID string) (*Service, error)
	NotFound func(error) bool
	Verifier RPCVerifier
	Log      *slog.Logger
}

// ServeHTTP dispatches a forwarded call to this replica's scheduler
// instance of the cluster named in the path. The signature is checked here
// before anything is looked up or started (the scheduler checks it again),
// so a caller without the key learns nothing, not even whether the cluster
// exists, and a captured call cannot be replayed.
func (f *Forwarding) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, RPCPrefix)
	id, _, ok := strings.Cut(rest, "/")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRPCBody+1))
	if !ok || id == "" || f.Key == nil || err != nil || len(body) > maxRPCBody ||
		f.Verifier.Verify(r, f.Key(id), body) != nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	svc, err := f.Lookup(r.Context(), id)
	if err != nil {
		status := http.StatusServiceUnavailable
		if f.NotFound != nil && f.NotFound(err) {
			status = http.StatusNotFound
		}
		f.Log.WarnContext(r.Context(), "mesos forwarding: no scheduler", "cluster", id, "err", err)
		http.Error(w, err.Error(), status)
		return
	}
	svc.Handler().ServeHTTP(w, r)
}
