// Package k8s is the Kubernetes Orchestrator, on client-go: server-side
// apply (field manager "bcs") through the dynamic client and a discovery
// RESTMapper, scale through the scale subresource, restart and rollback as
// kubectl does them, namespaces with quota and limits, and node cordon,
// labels, taints and drain through the eviction API.
//
// Every call is bounded: short dial and request timeouts on the client, and
// the caller's context on top. Errors are *orchestrators.Error, so callers
// can tell bad input from API-server failures and unreachable clusters.
package k8s
