package clusters

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/orchestrators"
)

// Monitor re-checks registered Kubernetes clusters every Interval. A cluster
// registered through an agent becomes UNREACHABLE when no report came for
// StaleAfter; any cluster becomes UNREACHABLE when its probe fails, and
// NORMAL again when it answers.
type Monitor struct {
	Registry   *Registry
	Log        *slog.Logger
	Interval   time.Duration // default 30s
	StaleAfter time.Duration // default 3 minutes (three missed agent reports)
}

// Run checks until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	interval := m.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.checkAll(auth.System(ctx))
		}
	}
}

func (m *Monitor) checkAll(ctx context.Context) {
	cs, err := m.Registry.Client.Cluster.Query().
		Where(cluster.KindEQ(cluster.KindK8S), cluster.StatusIn(cluster.StatusNORMAL, cluster.StatusUNREACHABLE)).All(ctx)
	if err != nil {
		m.Log.Warn("health monitor: list clusters", "err", err)
		return
	}
	for _, c := range cs {
		status, msg := m.check(ctx, c)
		if status == c.Status && msg == c.StatusMessage {
			continue
		}
		upd := m.Registry.Client.Cluster.UpdateOneID(c.ID).
			Where(cluster.StatusIn(cluster.StatusNORMAL, cluster.StatusUNREACHABLE)). // a removal wins
			SetStatus(status).SetStatusMessage(msg)
		if err := upd.Exec(ctx); err != nil && !ent.IsNotFound(err) {
			m.Log.Warn("health monitor: update cluster", "cluster", c.ID, "err", err)
			continue
		}
		m.Log.Info("cluster status changed", "cluster", c.ID, "name", c.Name, "from", c.Status, "to", status, "reason", msg)
	}
}

func (m *Monitor) check(ctx context.Context, c *ent.Cluster) (cluster.Status, string) {
	stale := m.StaleAfter
	if stale <= 0 {
		stale = 3 * time.Minute
	}
	if isSet(c.AgentKeyHash) && (c.LastSeenAt == nil || time.Since(*c.LastSeenAt) > stale) {
		return cluster.StatusUNREACHABLE, "the agent stopped reporting"
	}
	if len(c.Credentials) == 0 {
		return cluster.StatusUNREACHABLE, "no credentials"
	}
	kubeconfig, err := m.Registry.Box.Open(string(c.ID), c.Credentials)
	if err != nil {
		return cluster.StatusUNREACHABLE, "stored credentials cannot be opened with this server's key"
	}
	if _, _, err := m.Registry.Probe(ctx, kubeconfig, c.Restricted, m.Registry.tunnel(c)); err != nil {
		if errors.Is(err, orchestrators.ErrNoTunnel) {
			// Its agent's tunnel may be connected to another replica,
			// whose monitor judges it; a silent agent is caught above.
			return c.Status, c.StatusMessage
		}
		return cluster.StatusUNREACHABLE, "health probe failed: " + err.Error()
	}
	return cluster.StatusNORMAL, ""
}

// isSet reports whether a nillable bytes column holds a value (ent scans
// NULL into a non-nil pointer to an empty slice).
func isSet(b *[]byte) bool { return b != nil && len(*b) > 0 }
