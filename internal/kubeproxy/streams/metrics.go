package streams

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the sessions' Prometheus series.
type metrics struct {
	active   *prometheus.GaugeVec
	ended    *prometheus.CounterVec
	recorded prometheus.Counter
}

// newMetrics registers the series on reg; nil reg keeps them unregistered
// (counted, never scraped).
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bcs_kube_stream_sessions_active",
			Help: "Exec, attach and port-forward sessions open through the Kubernetes proxy.",
		}, []string{"kind"}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bcs_kube_stream_sessions_total",
			Help: "Sessions through the Kubernetes proxy by kind and how they ended (exit, error, refused, idle, limit, ended, closed).",
		}, []string{"kind", "end"}),
		recorded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bcs_kube_stream_recorded_bytes_total",
			Help: "Bytes of asciicast recordings stored.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.active, m.ended, m.recorded)
	}
	return m
}

// endLabel reduces a session's status to a bounded label.
func endLabel(s *Session) string {
	switch {
	case s.Refused:
		return "refused"
	case s.Status == "idle timeout":
		return "idle"
	case s.Status == "time limit":
		return "limit"
	case strings.HasPrefix(s.Status, "exit "):
		return "exit"
	case strings.HasPrefix(s.Status, "ended: "):
		return "ended"
	case strings.HasPrefix(s.Status, "error: "):
		return "error"
	}
	return "closed"
}
