# Mesos master simulator and the standalone ZooKeeper used by its tests.
.PHONY: mesos-sim test-mesos bench-mesos

ZK ?=

mesos-sim: ## run the Mesos master simulator on 127.0.0.1:5050 (ZK=zk://127.0.0.1:2181/mesos to register)
	$(GO) run ./cmd/bcs mesos-sim --listen $(or $(LISTEN),127.0.0.1:5050) --agents $(or $(AGENTS),3) $(if $(ZK),--zk $(ZK))

test-mesos: ## run the simulator and ZooKeeper test-env tests (needs Debian's zookeeper package)
	$(GO) test $(GOTEST_FLAGS) ./orchestrators/mesos/sim/... ./internal/testenv/zookeeper/...

bench-mesos: ## benchmark 1,000 tasks on 100 simulated agents to RUNNING
	$(GO) test -run '^$$' -bench Launch1000 -benchtime $(or $(BENCHTIME),5x) ./orchestrators/mesos/sim/
