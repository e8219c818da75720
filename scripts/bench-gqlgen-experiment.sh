#!/usr/bin/env bash
# Runs the PostGraphile peer benchmark against a copy of BCS's gqlgen with
# internal/server/testdata/gqlgen-experiment.patch applied (inline list
# marshalling, lazy @defer groups): the upstream changes BENCHMARKS.md
# measures. Nothing in the repository or the module cache is modified; the
# copy and a go.mod replacing gqlgen with it live in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$(go list -m -f '{{.Dir}}' github.com/99designs/gqlgen)
cp -r "$src" "$tmp/gqlgen"
chmod -R u+w "$tmp/gqlgen"
patch -d "$tmp/gqlgen" -p1 <internal/server/testdata/gqlgen-experiment.patch
cp go.mod "$tmp/go.mod"
cp go.sum "$tmp/go.sum"
echo "replace github.com/99designs/gqlgen => $tmp/gqlgen" >>"$tmp/go.mod"
make postgraphile
go test -modfile "$tmp/go.mod" -run '^$' -bench PeerProjectsFirst50 -benchtime 1x -timeout 30m ./internal/server
