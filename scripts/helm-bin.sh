#!/usr/bin/env bash
# helm-bin.sh builds the helm CLI (helm.sh/helm/v4/cmd/helm, the version
# go.mod's tool line pins, the same as BCS's Helm SDK) into
# $BCS_CACHE/helm/<version>-<hash>/helm, where <hash> covers go.sum plus
# $recipe: a changed module graph rebuilds, an unchanged tree reuses the
# cache. It is built from BCS's own module with `go test`'s flags, so on a
# fresh machine it compiles only the CLI's own packages: Kubernetes' and
# Helm's are the ones the tests compile anyway (a separate module took 16
# minutes cold). It prints the binary's path on stdout (progress goes to
# stderr) and does nothing when the binary exists; `--print` prints the path
# without building. internal/helm's tests run this script too, so it stays
# the one definition of the cache key. It is separate from kube-bins.sh on
# purpose: the control plane's cache key must not change for helm.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/cached-go-bin.sh
. "$root/scripts/lib/cached-go-bin.sh"
version=$(awk '$1 == "helm.sh/helm/v4" { print $2 }' "$root/go.mod")
cache=${BCS_CACHE:-$HOME/.cache/bcs}
# Bump when the build steps below change in a way that alters the binary.
recipe=2

hash=$({ echo "$recipe"; cat "$root/go.sum"; } | sha256sum | cut -c1-12)
dir=$cache/helm/$version-$hash
bin=$dir/helm

# `helm version` must report the release, not the module's default.
ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$version -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
BUILD_FLAGS= build_cached helm-bin "$bin" "$root" helm.sh/helm/v4/cmd/helm "$ldflags" "${1:-}"
