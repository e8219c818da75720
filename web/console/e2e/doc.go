// Package e2e runs the console's browser suite (console.test.mjs, Playwright
// driving Debian's chromium, axe-core on every page) against a real
// `bcs serve` on SQLite and a real Kubernetes control plane
// (internal/testenv/kube), so `go test ./...` and `make test` run it.
//
// The Go side owns the servers and the secrets: it builds bin/bcs with the
// console embedded (make console first), starts the control plane and the
// server, creates the API tokens the browser pastes, and offers the suite a
// loopback control endpoint for changes made directly on the API server
// (what kubectl would do), which the page must then show live.
package e2e
