// Package clusters keeps registered clusters' status true: it takes the
// reports of `bcs agent` (registration by one-time token, then an agent key)
// and runs the health monitor that marks clusters NORMAL or UNREACHABLE when
// their agent stops reporting or their API server stops answering.
//
// Status lifecycle (as in the original BCS): REGISTERING → CHECKING →
// NORMAL ⇄ UNREACHABLE → REMOVING → REMOVED.
package clusters
