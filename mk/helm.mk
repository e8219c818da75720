# The helm CLI (built from go.mod's tool line, cached in $(BCS_CACHE)/helm): the Helm
# tests check that `helm list` and `helm history` see what BCS did.
TEST_DEPS += helm-bin

.PHONY: helm-bin

setup: helm-bin

helm-bin: ## build or reuse the helm CLI the tests run (cached in $BCS_CACHE/helm)
	@scripts/helm-bin.sh >/dev/null

.PHONY: bench-helm
bench-helm: kube-bins helm-bin ## one 20-object chart into 50 namespaces: time to deployed and Running, BCS memory (BENCHMARKS.md)
	$(GO) test -run '^$$' -bench HelmInstall50 -benchtime 1x -timeout 20m ./internal/server
