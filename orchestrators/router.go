package orchestrators

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// Conn is what the Router needs to reach one cluster. Only the fields of its
// kind matter.
type Conn struct {
	ClusterID string
	Kind      Kind
	// Kubeconfig holds a K8S cluster's credentials (imported, or built from
	// what the agent reported).
	Kubeconfig []byte
	// Endpoints and Settings hold what other kinds need (e.g. Mesos masters).
	Endpoints []string
	Settings  map[string]string
	// Restricted says a user who is not a platform admin registered the
	// cluster: factories confine every dial to the cluster-address policy.
	Restricted bool
	// Tunnel, when set, reaches a K8S cluster's API server through its
	// agent's tunnel, preferred to the direct address while connected
	// (k8s.ViaTunnel). The agent decides where it connects, so the
	// cluster-address policy applies to direct dials only.
	Tunnel DialFunc
}

// fingerprint changes whenever the credentials do, so a rotated token
// yields a fresh orchestrator instead of a cached one that fails.
func (c Conn) fingerprint() [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%q\x00%t\x00", c.Kind, c.Kubeconfig, c.Restricted)
	for _, e := range c.Endpoints {
		fmt.Fprintf(h, "%q\x00", e)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Settings)) {
		fmt.Fprintf(h, "%q=%q\x00", k, c.Settings[k])
	}
	return [32]byte(h.Sum(nil))
}

// Factory builds an Orchestrator for one cluster.
type Factory func(ctx context.Context, conn Conn) (Orchestrator, error)

// Router picks the Factory for a cluster's kind and caches the Orchestrator
// it builds per cluster id. It is safe for concurrent use.
type Router struct {
	mu        sync.Mutex
	factories map[Kind]Factory
	cache     map[string]cached
	closing   map[string]int // Forget calls still closing, per cluster
}

type cached struct {
	fp   [32]byte
	orch Orchestrator
}

// NewRouter returns a Router with no factories.
func NewRouter() *Router {
	return &Router{factories: map[Kind]Factory{}, cache: map[string]cached{}}
}

// Register sets the factory for a cluster kind.
func (r *Router) Register(kind Kind, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.factories[kind] = f
}

// For returns the cluster's Orchestrator, building it on first use or when
// its credentials changed. An unknown kind is ErrUnsupported.
func (r *Router) For(ctx context.Context, conn Conn) (Orchestrator, error) {
	fp := conn.fingerprint()
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cache[conn.ClusterID]; ok {
		if c.fp == fp {
			return c.orch, nil
		}
		_ = c.orch.Close()
		delete(r.cache, conn.ClusterID)
	}
	f, ok := r.factories[conn.Kind]
	if !ok {
		return nil, &Error{Kind: ErrUnsupported, Object: "cluster " + conn.ClusterID,
			Message: fmt.Sprintf("no orchestrator for cluster kind %q", conn.Kind)}
	}
	// Factories only parse credentials and build clients, without network
	// calls, so holding the lock here is brief.
	o, err := f(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("orchestrator for cluster %s: %w", conn.ClusterID, err)
	}
	r.cache[conn.ClusterID] = cached{fp: fp, orch: o}
	return o, nil
}

// Forget drops and closes a cluster's cached Orchestrator (cluster removed).
// Until Close returns, Cached still reports it: a Mesos scheduler instance
// runs until then.
func (r *Router) Forget(clusterID string) error {
	r.mu.Lock()
	c, ok := r.cache[clusterID]
	delete(r.cache, clusterID)
	if ok {
		if r.closing == nil {
			r.closing = map[string]int{}
		}
		r.closing[clusterID]++
	}
	r.mu.Unlock()
	if !ok {
		return nil
	}
	defer func() {
		r.mu.Lock()
		if r.closing[clusterID]--; r.closing[clusterID] == 0 {
			delete(r.closing, clusterID)
		}
		r.mu.Unlock()
	}()
	if err := c.orch.Close(); err != nil {
		return fmt.Errorf("close orchestrator for cluster %s: %w", clusterID, err)
	}
	return nil
}

// Cached reports whether the router holds an Orchestrator for a cluster
// (for a Mesos cluster: a running scheduler instance), or is closing one.
func (r *Router) Cached(clusterID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.cache[clusterID]
	return ok || r.closing[clusterID] > 0
}

// Close closes every cached Orchestrator.
func (r *Router) Close() error {
	r.mu.Lock()
	all := r.cache
	r.cache = map[string]cached{}
	r.mu.Unlock()
	var errs []error
	for _, c := range all {
		errs = append(errs, c.orch.Close())
	}
	return errors.Join(errs...)
}
