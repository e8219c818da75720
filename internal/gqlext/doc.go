// Package gqlext holds BCS's gqlgen handler extensions that need nothing
// of the server: query limits, the audit log of mutations, persisted and
// trusted documents with the parsed-document cache, the operation timeout
// for socket transports, the default page size of connections, anonymous
// introspection, and the error presenter. What they count reaches the
// server's metrics through callbacks. The server installs them in
// internal/server/server.go, where their order is decided; the metrics
// extension stays there, being part of the server's Prometheus registry.
package gqlext
