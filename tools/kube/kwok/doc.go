// Package kwok pins sigs.k8s.io/kwok for the BCS test control plane. The
// binary is upstream's sigs.k8s.io/kwok/cmd/kwok, registered as a tool in
// go.mod. It is a module of its own because kwok pins an older k8s.io release
// than the control plane does.
package kwok
