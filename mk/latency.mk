# End-to-end change latency (issue 14, target 5): a write on a real API
# server → the `changes` event over graphql-transport-ws. LATENCY_RATE
# (writes/s, default 100), LATENCY_SECONDS (default 20), LATENCY_KINDS
# (default Service,Deployment) and LATENCY_DB=postgres are passed through.
.PHONY: bench-latency
bench-latency: kube-bins ## API server write → subscriber's event: p50/p90/p99, lost, duplicated, the path split (BENCHMARKS.md)
	$(GO) test -run '^$$' -bench '^BenchmarkChangeLatency$$' -benchtime 1x -timeout 20m ./internal/server
	$(GO) test -run '^$$' -bench Paced2000 -benchtime 6000x ./datawatch/changelog
