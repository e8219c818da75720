#!/usr/bin/env bash
# kubectl-bin.sh builds kubectl from the tools/kubectl module (k8s.io/kubectl
# at the test control plane's version) into $BCS_CACHE/kubectl/<version>-<hash>,
# where <hash> covers that module's go.mod, go.sum and main plus $recipe. It
# prints the binary's path on stdout (progress goes to stderr) and does nothing
# when the binary already exists; `--print` prints the path without building.
# Its cache is its own: scripts/kube-bins.sh and tools/kube are not inputs, so
# changing kubectl never rebuilds the control plane. The proxy tests run this
# script too, so it stays the one definition of the cache key.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/cached-go-bin.sh
. "$root/scripts/lib/cached-go-bin.sh"
tools=$root/tools/kubectl
version=v1.37.2
cache=${BCS_CACHE:-$HOME/.cache/bcs}
# Bump when the build steps below change in a way that alters the binary.
recipe=1

hash=$({ echo "$recipe"; cat "$tools/go.mod" "$tools/go.sum" "$tools/main.go"; } | sha256sum | cut -c1-12)
dir=$cache/kubectl/$version-$hash
bin=$dir/kubectl

# kubectl version must report the release, not v0.0.0-master.
pkg=k8s.io/component-base/version
ver=(-X "$pkg.gitVersion=$version" -X "$pkg.gitMajor=1" -X "$pkg.gitMinor=37"
  -X "$pkg.gitTreeState=clean" -X "$pkg.buildDate=2026-01-01T00:00:00Z")
build_cached kubectl-bin "$bin" "$tools" . "-s -w ${ver[*]}" "${1:-}"
