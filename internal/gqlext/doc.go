// Package gqlext holds BCS's gqlgen handler extensions that need nothing
// of the server: query limits, the audit log of mutations, persisted and
// trusted documents with the parsed-document cache, the operation timeout
// for socket transports, the default page size of connections, and
// anonymous introspection. The server installs them in
// internal/server/server.go, where their order is decided; the metrics
// extension and the error presenter stay there, being parts of the
// server's metrics and logging.
package gqlext
