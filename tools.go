//go:build tools

// Package tools pins the code generators' libraries in go.mod. ent/entc.go
// is `//go:build ignore`, so without these imports nothing would keep what
// it imports and `go mod tidy` could drop it; gqlgen is pinned by go.mod's
// tool directive instead (`go tool gqlgen`).
package tools

import (
	_ "entgo.io/contrib/entgql"
	_ "entgo.io/ent/entc"
	_ "entgo.io/ent/entc/gen"
)
