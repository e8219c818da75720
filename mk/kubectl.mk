# kubectl for the Kubernetes proxy's tests (/clusters/{id}/k8s): built from
# tools/kubectl into its own cache, $(BCS_CACHE)/kubectl. See scripts/kubectl-bin.sh.
TEST_DEPS += kubectl-bin

.PHONY: kubectl-bin

kubectl-bin: ## build or reuse kubectl v1.37.2 for the proxy tests (cached in $BCS_CACHE/kubectl)
	@scripts/kubectl-bin.sh >/dev/null

.PHONY: bench-kubeproxy
# Part of `make bench` (a prerequisite, so the Makefile's recipe stays as it is).
bench: bench-kubeproxy
bench-kubeproxy: kube-bins kubectl-bin ## kubectl get pods -A over 2,000 pods straight and through BCS's proxy; 200 watches through it
	$(GO) test -run '^$$' -bench KubectlGetPods2000 -benchtime $(or $(BENCHTIME),10x) -timeout 20m ./internal/server
	$(GO) test -run '^$$' -bench KubeProxyWatches200 -benchtime 50x -timeout 20m ./internal/server
