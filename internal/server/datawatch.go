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
	"github.com/bcs-io/bcs/orchestrators"
)

// startDatawatch starts the change-log writer, the subscription hub (woken
// across replicas by PostgreSQL LISTEN/NOTIFY), the per-cluster watchers
// and retention.
func (s *Server) startDatawatch(ctx context.Context) {
	ctx = auth.System(ctx)
	s.log_ = changelog.NewLog(s.db)
	hcfg := hub.Config{Logger: s.log}
	if s.db.Dialect == dialect.Postgres {
		hcfg.Notifier = &hub.PGNotifier{DB: s.db.SQL, Logger: s.log}
	}
	s.hub = hub.New(s.log_, hcfg)
	s.writer = changelog.NewWriter(s.db, changelog.Config{OnCommit: s.hub.Publish, Logger: s.log})
	leases := lease.New(s.db)
	m := &datawatch.Manager{Client: s.db.Client, Writer: s.writer, Leases: leases, Box: s.cfg.Secrets,
		Holder: s.replica, Router: s.mesosRouter(), Interval: s.cfg.WatchInterval, LeaseTTL: s.cfg.WatchLeaseTTL, Log: s.log}
	s.registerDatawatchMetrics()
	s.background(ctx, s.hub.Run)
	s.background(ctx, s.writer.Run)
	s.background(ctx, m.Run)
	s.background(ctx, s.retain(leases))
}

// retain compacts the change log once a minute, on one replica at a time
// (whichever holds the retention lease).
func (s *Server) retain(leases *lease.Store) func(context.Context) error {
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

func (s *Server) background(ctx context.Context, fn func(context.Context) error) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("background task stopped", "err", err)
		}
	}()
}

// mesosRouter is the router when Mesos clusters are enabled, else nil.
func (s *Server) mesosRouter() *orchestrators.Router {
	if len(s.cfg.ZooKeeper) == 0 {
		return nil
	}
	return s.router
}
