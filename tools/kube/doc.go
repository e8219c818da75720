// Package kube is the tools module that builds the Kubernetes control-plane
// binaries BCS tests run against (kube-apiserver, kube-controller-manager,
// kube-scheduler). It is a separate module so the many k8s.io/kubernetes pins
// stay out of the application's go.mod. etcd and kwok live in sibling modules
// (./etcd, ./kwok) because their dependency graphs pin other versions.
// Build with `make kube-bins`; see scripts/kube-bins.sh.
package kube
