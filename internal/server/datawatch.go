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
	m := &datawatch.Manager{Client: s.db.Client, Writer: s.writer, Leases: lease.New(s.db), Box: s.cfg.Secrets,
		Holder: s.replica, Router: s.mesosRouter(), Interval: s.cfg.WatchInterval, LeaseTTL: s.cfg.WatchLeaseTTL, Log: s.log}
	s.registerDatawatchMetrics()
	s.background(ctx, s.hub.Run)
	s.background(ctx, s.writer.Run)
	s.background(ctx, m.Run)
	s.background(ctx, s.retain)
}

// retain compacts the change log once a minute.
func (s *Server) retain(ctx context.Context) error {
	age, count := s.cfg.RetainChanges, s.cfg.RetainChangeCount
	if age <= 0 {
		age = 7 * 24 * time.Hour
	}
	if count <= 0 {
		count = 1_000_000
	}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if n, err := s.log_.Compact(ctx, age, count); err != nil {
				s.log.Warn("change log compaction", "err", err)
			} else if n > 0 {
				s.log.Info("change log compacted", "dropped", n)
			}
		}
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
