# Kubernetes test control plane: binaries cached in $(BCS_CACHE)/kube, and a
# local cluster for people in $(BCS_CACHE)/k8s-up. See internal/testenv/kube.
KUBEUP := $(GO) run ./internal/testenv/kube/cmd/kubeup

# The Go tests start real control planes from these binaries.
TEST_DEPS += kube-bins

.PHONY: kube-bins k8s-up k8s-down k8s-status

kube-bins: ## build or reuse etcd, kube-apiserver, controller-manager, scheduler, kwok (cached in $BCS_CACHE/kube)
	@scripts/kube-bins.sh >/dev/null

k8s-up: kube-bins ## start a local Kubernetes control plane with kwok nodes in the background (NODES=2)
	@$(KUBEUP) up -dir "$(BCS_CACHE)/k8s-up" -nodes $(or $(NODES),2)

k8s-down: ## stop the local control plane started by k8s-up
	@$(KUBEUP) down -dir "$(BCS_CACHE)/k8s-up"

k8s-status: ## show whether the local control plane from k8s-up is running
	@$(KUBEUP) status -dir "$(BCS_CACHE)/k8s-up"
