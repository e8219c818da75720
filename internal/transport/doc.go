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
package transport
