# kubectl for the Kubernetes proxy's tests (/clusters/{id}/k8s): built from
# tools/kubectl into its own cache, $(BCS_CACHE)/kubectl. See scripts/kubectl-bin.sh.
TEST_DEPS += kubectl-bin

.PHONY: kubectl-bin

kubectl-bin: ## build or reuse kubectl v1.37.2 for the proxy tests (cached in $BCS_CACHE/kubectl)
	@scripts/kubectl-bin.sh >/dev/null
