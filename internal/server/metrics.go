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

	mu    sync.Mutex
	names map[string]struct{}
}

// maxOperationNames bounds the label values clients can create.
const maxOperationNames = 500

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
		names: map[string]struct{}{},
	}
	m.registry.MustRegister(m.requests, m.latency, m.errors,
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
	if _, ok := m.names[name]; ok {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return "other"
	}
	m.names[name] = struct{}{}
	return name
}
