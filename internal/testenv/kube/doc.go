// Package kube starts real Kubernetes control planes for tests: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok (simulated
// nodes whose pods reach Running), all on loopback with free ports chosen at
// runtime and certificates generated per cluster. Several clusters can run in
// one process.
//
// The binaries come from the tools/kube modules, built once by
// scripts/kube-bins.sh (`make kube-bins`) into $BCS_CACHE/kube; Binaries
// builds them on first use when the cache is empty. This package deliberately
// depends only on client-go, api and apimachinery, never on k8s.io/kubernetes.
//
// Typical use in a test:
//
//	c := kube.StartT(t, kube.Options{Nodes: 2})
//	_, err := c.Client.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{})
package kube
