# The soak: the whole Go suite under CPU load, to catch tests (or product
# code) that race only on a busy machine. Not part of `make test`.
.PHONY: test-soak

test-soak: $(TEST_DEPS) web ## run the Go suite 3 times beside a CPU burner per core, reporting every failure (RUNS=3)
	RUNS=$(or $(RUNS),3) scripts/soak.sh $(GOTEST_FLAGS)
