# BCS's Mesos framework scheduler (orchestrators/mesos/scheduler), its
# ZooKeeper state and recipes, and the Mesos orchestrator adapter. The tests
# start Debian's zookeeper package and the in-process master simulator.
.PHONY: test-mesos-scheduler bench-mesos-scheduler

MESOS_SCHEDULER_PKGS := ./internal/zkutil/... ./orchestrators/mesos/zkstate/... \
	./orchestrators/mesos/scheduler/... ./orchestrators/mesos

test-mesos-scheduler: ## run the Mesos scheduler, ZooKeeper state and HA tests (needs Debian's zookeeper package)
	$(GO) test $(GOTEST_FLAGS) $(MESOS_SCHEDULER_PKGS)

bench-mesos-scheduler: ## benchmark 1,000 tasks to RUNNING and a rolling update of 1,000 instances on 100 simulated agents
	$(GO) test -run '^$$' -bench 'Launch1000|RollingUpdate1000' -benchtime $(or $(BENCHTIME),3x) ./orchestrators/mesos/scheduler/
