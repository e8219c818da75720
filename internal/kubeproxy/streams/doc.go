// Package streams serves the long-lived pod subresources behind BCS's
// Kubernetes proxy: exec, attach and port-forward.
//
// exec and attach over websockets (subprotocols v5.channel.k8s.io and
// v4.channel.k8s.io, kubectl's default since 1.30) are terminated here and
// relayed frame by frame to a websocket BCS opens to the API server with the
// upstream's credentials. Terminating them is what lets BCS see the
// session: the command's exit status (channel 3), idle and total time limits
// that end with a Status frame kubectl prints, and, when the project
// switched it on, an asciicast v2 recording of stdin, stdout and stderr.
//
// SPDY upgrades (kubectl's fallback) and port-forward are passed through
// byte for byte (httputil.ReverseProxy): they are audited, start and end, and
// bounded by the total limit, but their multiplexed streams are not decoded,
// so they are never recorded and carry no exit status.
//
// Every session is a Session handed to a Store; EntStore keeps them as
// ExecSession rows and writes start and end entries into the audit log.
package streams
