// Package transport holds BCS's GraphQL transports, plugged into gqlgen's
// handler in place of its defaults:
//
//   - HTTP: GET and POST exactly as GraphQL-over-HTTP asks, including the
//     SHOULDs gqlgen misses (200 for request errors under application/json;
//     400 and no "data" entry under application/graphql-response+json; 400
//     for malformed parameters) and a request body limit (413).
//
// Request errors (parse, validation, coercion, unknown operation) reach the
// client through the executor's error presenter, so their extensions.code is
// set in one place.
//
// WebSocket speaks graphql-transport-ws exactly as enisdenjo/graphql-ws's
// PROTOCOL.md says, close codes included (4400, 4401, 4403, 4406, 4408,
// 4409, 4429, 4500), and the legacy Apollo graphql-ws subprotocol, on
// gorilla/websocket. Each connection has one reader goroutine (the HTTP
// handler returns after the upgrade), a writer goroutine only while frames
// are queued, and one goroutine per operation driving the executor's
// response handler, unless the operation joins a shared execution
// (Sharing): identical live subscriptions then cost one execution and one
// encoding per event, whatever their number. A client whose queue stays
// longer than SendBuffer for SendTimeout is closed with 1013 "Try Again
// Later" (CloseSlowConsumer) and should resubscribe from the last revision
// it saw; nothing ever waits for it. SSE serves one operation
// per request in graphql-sse's "distinct connections" mode; it must be added
// before HTTP. Both go through the executor (CreateOperationContext,
// DispatchOperation, DispatchError), so extensions, metrics and the error
// presenter see every operation.
//
// One websocket library runs: gorilla/websocket. gqlgen's own websocket
// transport is built on coder/websocket, and gqlgen's handler package
// imports it (for NewDefaultServer), so coder/websocket is in go.mod and in
// `go version -m bin/bcs`; but nothing calls it, and the linker keeps only
// its package initialiser (3 symbols, 84 bytes, by `go tool nm -size`).
// Moving to gqlgen's transport would lose shared executions, the Admit
// hook and the slow-consumer close; porting this one to coder/websocket
// would rewrite its reader, writer and close handling to save gorilla's
// 38 KB, and the idle-subscriber and fan-out figures of BENCHMARKS.md are
// measured on gorilla.
package transport
