package datawatch

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/kubewatch"
	"github.com/bcs-io/bcs/datawatch/lease"
	"github.com/bcs-io/bcs/datawatch/mesoswatch"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
)

// Manager runs one watcher per registered cluster (Kubernetes, or Mesos
// when MesosConfig is set), each under a lease so that exactly one replica
// watches a cluster; a replica that dies loses its leases when they expire
// and another takes over. Keeping clusters' scheduler instances is the
// Standby's; the Manager only tells it which clusters there are.
type Manager struct {
	Client *ent.Client
	Writer *changelog.Writer
	Leases lease.Runner
	Box    *secrets.Box
	// MesosConfig locates a Mesos cluster's scheduler state and masters
	// (mesos.ConfigFor); nil leaves Mesos unwatched.
	MesosConfig func(orchestrators.Conn) (scheduler.Config, error)
	// Standby keeps this replica's scheduler instance of each Mesos
	// cluster, and forgets the orchestrators of clusters no longer
	// registered; nil keeps and forgets none.
	Standby *clusters.Standby
	// Policy confines the watches of restricted clusters (registered by
	// non-admins) to the cluster-address policy.
	Policy   *netpolicy.Policy
	Holder   string        // this replica's name in leases
	Interval time.Duration // how often the cluster list is re-read; default 10s
	LeaseTTL time.Duration // default 15s
	Log      *slog.Logger

	// Tunnel is the dial through a Kubernetes cluster's agent tunnel
	// (clusters.Connector.Tunnel), preferred while connected; nil: none.
	Tunnel func(*ent.Cluster) orchestrators.DialFunc

	mu      sync.Mutex
	running map[string]*watch
}

type watch struct {
	fingerprint [32]byte // of the sealed credentials: new ones restart the watch
	cancel      context.CancelFunc
	done        chan struct{}
}

// Run reconciles the set of watchers with the registered clusters until ctx
// ends, then stops them all.
func (m *Manager) Run(ctx context.Context) error {
	ctx = auth.System(ctx)
	interval := m.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	m.mu.Lock()
	m.running = map[string]*watch{}
	m.mu.Unlock()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := m.reconcile(ctx); err != nil {
			m.Log.Warn("datawatch: list clusters", "err", err)
		}
		select {
		case <-ctx.Done():
			m.stopAll()
			return nil
		case <-t.C:
		}
	}
}

func (m *Manager) reconcile(ctx context.Context) error {
	kinds := []cluster.Kind{cluster.KindK8S}
	if m.MesosConfig != nil {
		kinds = append(kinds, cluster.KindMESOS)
	}
	cs, err := m.Client.Cluster.Query().Where(
		cluster.KindIn(kinds...),
		cluster.StatusIn(cluster.StatusNORMAL, cluster.StatusUNREACHABLE),
	).All(ctx)
	if err != nil {
		return err
	}
	want := map[string]*ent.Cluster{}
	for _, c := range cs {
		if len(c.Credentials) > 0 {
			want[string(c.ID)] = c
		}
	}
	for _, c := range want {
		m.keep(ctx, c)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, w := range m.running {
		c, ok := want[id]
		if !ok || sha256.Sum256(c.Credentials) != w.fingerprint {
			w.cancel()
			<-w.done
			delete(m.running, id)
			if !ok && m.Standby != nil {
				m.Standby.Forget(id)
			}
		}
	}
	for id, c := range want {
		if _, ok := m.running[id]; ok {
			continue
		}
		wctx, cancel := context.WithCancel(ctx)
		w := &watch{fingerprint: sha256.Sum256(c.Credentials), cancel: cancel, done: make(chan struct{})}
		m.running[id] = w
		go func() {
			defer close(w.done)
			m.hold(wctx, c)
		}()
	}
	return nil
}

// hold contends for the cluster's lease and watches while holding it,
// retrying after failures until ctx ends.
func (m *Manager) hold(ctx context.Context, c *ent.Cluster) {
	ttl := m.LeaseTTL
	if ttl <= 0 {
		ttl = 15 * time.Second
	}
	for ctx.Err() == nil {
		err := m.Leases.Run(ctx, "datawatch/"+string(c.ID), m.Holder, ttl, func(ctx context.Context) error {
			return m.watch(ctx, c)
		})
		if err != nil && ctx.Err() == nil {
			m.Log.Warn("datawatch: watcher stopped; retrying", "cluster", c.ID, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second): // backoff before contending again
			}
		}
	}
}

func (m *Manager) watch(ctx context.Context, c *ent.Cluster) error {
	if c.Kind == cluster.KindMESOS {
		return m.watchMesos(ctx, c)
	}
	conn, err := clusters.Conn(c, m.Box)
	if err != nil {
		return err
	}
	var policy *netpolicy.Policy
	if c.Restricted {
		policy = m.Policy
	}
	cfg, err := k8s.RestConfig(conn.Kubeconfig, policy)
	if err != nil {
		return err
	}
	if tunnel := m.tunnel(c); tunnel != nil {
		cfg = k8s.ViaTunnel(cfg, tunnel)
		if err := k8s.Reach(ctx, cfg); err != nil {
			return fmt.Errorf("cluster %s: %w", c.ID, err)
		}
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 0 // watches are long-lived; the orchestrator's per-request limit would cut them
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	m.Log.Info("datawatch: watching cluster", "cluster", c.ID, "name", c.Name, "holder", m.Holder)
	w := &kubewatch.Watcher{ClusterID: c.ID, ProjectID: c.ProjectID, Client: client, Writer: m.Writer, Log: m.Log}
	return w.Run(ctx)
}

func (m *Manager) tunnel(c *ent.Cluster) orchestrators.DialFunc {
	if m.Tunnel == nil {
		return nil
	}
	return m.Tunnel(c)
}

func (m *Manager) stopAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, w := range m.running {
		w.cancel()
		<-w.done
		delete(m.running, id)
	}
}

// Watching lists the clusters this replica runs a watcher goroutine for
// (held or contending), for tests and diagnostics.
func (m *Manager) Watching() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.running)
}

func (m *Manager) keep(ctx context.Context, c *ent.Cluster) {
	if m.Standby == nil {
		return
	}
	if err := m.Standby.Keep(ctx, c); err != nil {
		m.Log.Warn("datawatch: cannot start the Mesos scheduler instance", "cluster", c.ID, "err", err)
	}
}

// watchMesos follows the cluster's masters and its scheduler's state in
// ZooKeeper. It needs no scheduler instance here: the lease holder need not
// be the replica whose scheduler leads.
func (m *Manager) watchMesos(ctx context.Context, c *ent.Cluster) error {
	conn, err := clusters.Conn(c, m.Box)
	if err != nil {
		return err
	}
	cfg, err := m.MesosConfig(conn)
	if err != nil {
		return err
	}
	m.Log.Info("datawatch: watching Mesos cluster", "cluster", c.ID, "name", c.Name, "holder", m.Holder)
	w := &mesoswatch.Watcher{ClusterID: c.ID, ProjectID: c.ProjectID, Config: cfg, Writer: m.Writer, Log: m.Log}
	return w.Run(ctx)
}
