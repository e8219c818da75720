package kubeproxy

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the proxy's Prometheus series. Cluster IDs are the
// operator's (bounded by the clusters registered), verbs a fixed set.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the proxy's series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bcs_kubeproxy_requests_total",
			Help: "Requests through the Kubernetes proxy, by cluster, verb and HTTP status code.",
		}, []string{"cluster", "verb", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bcs_kubeproxy_request_duration_seconds",
			Help: "Time to the response headers of requests through the Kubernetes proxy, by cluster and verb " +
				"(watches and streams count until their headers).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"cluster", "verb"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) observe(cluster, verb string, code int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(cluster, verb, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(cluster, verb).Observe(took.Seconds())
}
