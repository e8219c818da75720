// Package clusters is the cluster service, the one home of a cluster's
// lifecycle: Service registers clusters (by kubeconfig, by `bcs agent`
// token, Mesos by its masters) and removes them; Connector is the one place
// that opens a stored cluster's credentials into an orchestrator; Standby
// keeps this replica's Mesos scheduler instances. It also takes the reports
// of `bcs agent` (registration by one-time token, then an agent key) and
// runs the health monitor that marks clusters NORMAL or UNREACHABLE when
// their agent stops reporting or their API server stops answering. It
// checks no permission: its callers authorize first.
//
// Status lifecycle (as in the original BCS): REGISTERING → CHECKING →
// NORMAL ⇄ UNREACHABLE → REMOVING → REMOVED.
package clusters
