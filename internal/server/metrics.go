package server

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are BCS's Prometheus series, on a registry of the server's own so
// that several servers can live in one test process.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	refusals *prometheus.CounterVec

	mu    sync.Mutex
	known map[string]bool     // always labelled (Caps.MetricOperations)
	names map[string]struct{} // the first maxNames other names seen
	// maxNames bounds the label values clients can create: operation
	// names are chosen by whoever sends the document, so each new one
	// would be a new series here and in Prometheus.
	maxNames int
}

var operationName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bcs_graphql_requests_total",
			Help: "GraphQL operations executed, by operation name and type.",
		}, []string{"operation", "type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bcs_graphql_request_duration_seconds",
			Help:    "GraphQL operation latency, by operation name and type.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"operation", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bcs_graphql_errors_total",
			Help: "GraphQL errors returned to clients, by extensions.code.",
		}, []string{"code"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bcs_limit_refusals_total",
			Help: "Requests, operations, connections and streams refused by a limit, by limit.",
		}, []string{"limit"}),
		names:    map[string]struct{}{},
		known:    map[string]bool{},
		maxNames: DefaultCaps.MaxMetricOperations,
	}
	m.registry.MustRegister(m.requests, m.latency, m.errors, m.refusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ExtensionName implements graphql.HandlerExtension.
func (*metrics) ExtensionName() string { return "Metrics" }

// Validate implements graphql.HandlerExtension.
func (*metrics) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse times each response of an operation.
func (m *metrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if !graphql.HasOperationContext(ctx) {
		return resp
	}
	rc := graphql.GetOperationContext(ctx)
	typ, name := "unknown", rc.OperationName
	if rc.Operation != nil {
		typ, name = string(rc.Operation.Operation), rc.Operation.Name
	}
	name = m.label(name)
	m.requests.WithLabelValues(name, typ).Inc()
	m.latency.WithLabelValues(name, typ).Observe(time.Since(start).Seconds())
	return resp
}

// label keeps operation names usable as label values without letting
// clients grow the series without bound.
func (m *metrics) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	if !operationName.MatchString(name) {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.names[name]; ok || m.known[name] {
		return name
	}
	if len(m.names) >= m.maxNames {
		return "other"
	}
	m.names[name] = struct{}{}
	return name
}

// labelNames sets the operation names always labelled and how many others
// may be: first come, first labelled, the rest "other". Known names let an
// operator keep the console's and scripts' operations visible however many
// names others send first.
func (m *metrics) labelNames(known []string, others int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range known {
		m.known[n] = true
	}
	m.maxNames = max(others, 0)
}

// refused counts a refusal by a limit (names are the code's, a fixed set).
func (m *metrics) refused(limit string) { m.refusals.WithLabelValues(limit).Inc() }
