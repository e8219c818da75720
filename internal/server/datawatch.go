package server

import (
	"context"
	"time"

	"entgo.io/ent/dialect"

	"github.com/bcs-io/bcs/datawatch"
	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/datawatch/hub"
	"github.com/bcs-io/bcs/datawatch/lease"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/mesos"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
)

// startDatawatch prepares the change-log writer, the subscription hub (woken
// across replicas by PostgreSQL LISTEN/NOTIFY), the per-cluster watchers
// and retention.
func (s *Server) startDatawatch(ctx context.Context) {
	ctx = auth.System(ctx)
	s.log_ = changelog.NewLog(s.db)
	hcfg := hub.Config{Logger: s.log}
	if s.db.Dialect == dialect.Postgres {
		// Identity events published while this replica was not listening
		// (starting, or reconnecting) were missed: forget what is cached
		// and re-check the open sockets' viewers at once, rather than at
		// the next periodic sweep.
		resync := func() {
			s.authn.Invalidate()
			go s.authn.Sweep(ctx)
		}
		hcfg.Notifier = &hub.PGNotifier{DB: s.db.SQL, Logger: s.log, Signal: s.authn.Apply, Listening: resync}
	}
	s.hub = hub.New(s.log_, hcfg)
	s.writer = changelog.NewWriter(s.db, changelog.Config{OnCommit: s.hub.Publish, Logger: s.log})
	dbLeases := lease.New(s.db)
	dbLeases.Logger = s.log
	var leases lease.Runner = dbLeases
	if len(s.cfg.ZooKeeper) > 0 {
		// Replicas that share a ZooKeeper meet there, and a replica's
		// leases end with its ZooKeeper session.
		leases = zkLeases{s}
	}
	m := &datawatch.Manager{Client: s.db.Client, Writer: s.writer, Leases: leases, Box: s.cfg.Secrets,
		Policy: s.policy, Tunnel: s.clusters.Tunnel, Holder: s.replica, MesosConfig: s.mesosConfig(),
		Standby: &clusters.Standby{Connector: s.clusters.Connector, Mesos: s.clusters.Mesos}, Interval: s.cfg.WatchInterval, LeaseTTL: s.cfg.WatchLeaseTTL, Log: s.log}
	s.registerDatawatchMetrics()
	s.background(ctx, s.hub.Run)
	s.background(ctx, s.writer.Run)
	s.background(ctx, m.Run)
	s.background(ctx, s.retain(leases))
}

// retain compacts the change log once a minute, on one replica at a time
// (whichever holds the retention lease).
func (s *Server) retain(leases lease.Runner) func(context.Context) error {
	age, count := s.cfg.RetainChanges, s.cfg.RetainChangeCount
	if age <= 0 {
		age = 7 * 24 * time.Hour
	}
	if count <= 0 {
		count = 1_000_000
	}
	return func(ctx context.Context) error {
		return leases.Run(ctx, "changelog/retention", s.replica, 30*time.Second, func(ctx context.Context) error {
			return s.log_.Retain(ctx, time.Minute, age, count, s.log)
		})
	}
}

// background adds fn to what Start runs, each in its own goroutine until
// ctx ends (with Close).
func (s *Server) background(ctx context.Context, fn func(context.Context) error) {
	s.tasks = append(s.tasks, func() {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("background task stopped", "err", err)
			}
		}()
	})
}

// mesosConfig locates Mesos clusters for the datawatch when Mesos
// clusters are enabled, else nil.
func (s *Server) mesosConfig() func(orchestrators.Conn) (scheduler.Config, error) {
	if len(s.cfg.ZooKeeper) == 0 {
		return nil
	}
	base := s.mesosBase()
	return func(conn orchestrators.Conn) (scheduler.Config, error) { return mesos.ConfigFor(base, conn) }
}
