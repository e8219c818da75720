// Package kubeproxy is BCS's Kubernetes API proxy, /clusters/{id}/k8s/…:
// kubectl and other Kubernetes clients reach a managed cluster with a BCS
// token and their project role, never with the cluster's credentials.
//
// Each request is authenticated with a BCS token (an ordinary one or a
// kubeconfig's token scoped to that cluster), its client credentials and
// Impersonate-* headers are dropped, and it is sent with BCS's stored
// credential (through clusters.Connector, so the address policy and agent
// tunnels apply) plus Impersonate-User bcs:<user> and Impersonate-Group
// bcs:<role>: the cluster's own RBAC decides, through the
// ClusterRoleBindings SyncRBAC installs. Roles are read on every request
// (auth's viewer, which membership events end at once), so a changed role
// counts from the next request on.
//
// Mutating requests are written to the audit log; exec, attach and
// port-forward go to the Streams hook (internal/kubeproxy/streams) when
// one is set, after the project's exec switch.
package kubeproxy
