# The helm CLI (built from tools/helm, cached in $(BCS_CACHE)/helm): the Helm
# tests check that `helm list` and `helm history` see what BCS did.
TEST_DEPS += helm-bin

.PHONY: helm-bin

setup: helm-bin

helm-bin: ## build or reuse the helm CLI the tests run (cached in $BCS_CACHE/helm)
	@scripts/helm-bin.sh >/dev/null
