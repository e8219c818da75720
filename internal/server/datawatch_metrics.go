package server

import "github.com/prometheus/client_golang/prometheus"

// registerDatawatchMetrics exports the change-log writer's counters and the
// number of live subscribers, read when Prometheus scrapes.
func (s *Server) registerDatawatchMetrics() {
	counter := func(name, help string, read func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(read()) })
	}
	s.metrics.registry.MustRegister(
		counter("bcs_changelog_events_total", "Observed object events submitted to the change-log writer.", func() int64 { return s.writer.Stats().Submitted }),
		counter("bcs_changelog_changes_total", "Changes committed to the change log.", func() int64 { return s.writer.Stats().Changes }),
		counter("bcs_changelog_noop_events_total", "Events dropped because storage already held them (resyncs, heartbeats).", func() int64 { return s.writer.Stats().Unchanged }),
		counter("bcs_changelog_batches_total", "Change-log write transactions committed.", func() int64 { return s.writer.Stats().Batches }),
		counter("bcs_changelog_retries_total", "Change-log write transactions retried after a failure.", func() int64 { return s.writer.Stats().Retries }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bcs_subscribers", Help: "Live change-log subscribers on this replica."},
			func() float64 { return float64(s.hub.Subscribers()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bcs_websocket_shared_executions", Help: "Shared subscription executions: each serves every identical live subscription of one viewer."},
			func() float64 { return float64(s.share.Groups()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bcs_websocket_shared_subscriptions", Help: "Websocket subscriptions served by a shared execution."},
			func() float64 { return float64(s.share.Members()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bcs_subscription_polls", Help: "Storage polls behind the operation, workload and instance subscriptions, one per followed object."},
			func() float64 { return float64(s.follows.Polls()) }),
	)
	s.metrics.registry.MustRegister(s.writer.Collectors()...)
}
