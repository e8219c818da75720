# The console's browser benchmark (issue 12): the workloads table with 5,000
# rows across 3 clusters while 200 changes/s arrive through the `changes`
# subscription, in Debian's chromium. Part of `make bench`, not `make test`.
.PHONY: console-bench

console-bench: console ## browser benchmark of the live workloads table (long tasks, change-to-paint latency; about 1 minute)
	$(GO) test -run '^$$' -bench '^BenchmarkConsoleLiveTable$$' -benchtime 1x -timeout 10m ./internal/server

bench: console-bench
