// Package tunnel carries BCS's connections to a Kubernetes API server that
// BCS cannot reach (behind NAT, or only on the cluster's own network)
// through the outbound websocket that `bcs agent` keeps to BCS.
//
// It is built on github.com/rancher/remotedialer, the library Rancher's
// cluster agent uses for exactly this: one websocket per agent,
// multiplexing many TCP connections with back-pressure, pings, and the
// server dialling "through" the agent. v0.4.4 is the newest release that
// builds with this project's Go (v0.5 and later need a newer toolchain);
// its root package pulls in only gorilla/websocket (already used),
// logrus and pkg/errors, not its Kubernetes helpers. What BCS adds:
//
//   - Server: which cluster a session belongs to is decided by the caller
//     (internal/server authenticates the agent key); the session is
//     re-checked periodically and dropped at once by Drop (cluster removed),
//     so a revoked key loses its tunnel; a cluster keeps at most
//     MaxPerCluster sessions, the newest replacing the oldest; Close ends
//     them all at shutdown so agents reconnect elsewhere at once; an agent
//     that asks BCS to dial loses its tunnel; metrics and slog on connect
//     and disconnect; Dial answers an error wrapping
//     orchestrators.ErrNoTunnel, at once, when no session of the cluster is
//     reachable from this replica.
//   - Client: the agent's side, reconnecting with backoff; it dials only the
//     one host:port it reported as its API server (whatever BCS asks), and
//     connects it to the API server it really reaches.
//
// Multi-replica: a tunnel ends on the replica the agent's websocket
// reached. Replicas that know each other (ZooKeeper discovery) are peers
// (peers.go) and dial through each other's tunnels. Without peers, another
// replica has no session of that cluster; its dials then fail at once with
// ErrNoTunnel after the direct address also failed (see
// orchestrators/k8s.ViaTunnel), never hang.
package tunnel
