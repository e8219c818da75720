#!/usr/bin/env bash
# helm-bin.sh builds the helm CLI (helm.sh/helm/v4/cmd/helm, the version
# tools/helm pins, the same as BCS's Helm SDK) into
# $BCS_CACHE/helm/<version>-<hash>/helm, where <hash> covers tools/helm's
# go.mod and go.sum plus $recipe: a changed pin rebuilds, an unchanged tree
# reuses the cache. It prints the binary's path on stdout (progress goes to
# stderr) and does nothing when the binary exists; `--print` prints the path
# without building. internal/helm's tests run this script too, so it stays
# the one definition of the cache key. It is separate from kube-bins.sh on
# purpose: the control plane's cache key must not change for helm.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/cached-go-bin.sh
. "$root/scripts/lib/cached-go-bin.sh"
tools=$root/tools/helm
version=v4.3.2
cache=${BCS_CACHE:-$HOME/.cache/bcs}
# Bump when the build steps below change in a way that alters the binary.
recipe=1

hash=$({ echo "$recipe"; cat "$tools/go.mod" "$tools/go.sum"; } | sha256sum | cut -c1-12)
dir=$cache/helm/$version-$hash
bin=$dir/helm

# `helm version` must report the release, not the module's default.
ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$version -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
build_cached helm-bin "$bin" "$tools" helm.sh/helm/v4/cmd/helm "$ldflags" "${1:-}"
