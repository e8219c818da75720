#!/usr/bin/env bash
# kube-bins.sh builds the test control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok) from the modules under
# tools/kube into $BCS_CACHE/kube/<version>-<hash>/bin, where <hash> covers the
# tools modules' go.mod, go.sum and mains plus $recipe, so a change to any pin
# rebuilds and an unchanged tree reuses the cache. It prints the bin
# directory on stdout (build progress goes to stderr) and does nothing when the
# binaries already exist. `--print` prints the directory without building.
# internal/testenv/kube runs this script too, so it stays the one definition of
# the cache key.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=$root/tools/kube
version=v1.37.2
cache=${BCS_CACHE:-$HOME/.cache/bcs}
# Bump when the build steps below change in a way that alters the binaries.
recipe=1

inputs=(
  "$tools/go.mod" "$tools/go.sum" "$tools"/cmd/*/main.go
  "$tools/etcd/go.mod" "$tools/etcd/go.sum" "$tools/etcd/main.go"
  "$tools/kwok/go.mod" "$tools/kwok/go.sum"
)
hash=$({ echo "$recipe"; cat "${inputs[@]}"; } | sha256sum | cut -c1-12)
dir=$cache/kube/$version-$hash
bin=$dir/bin

if [[ ${1:-} == --print || -x $bin/kube-apiserver ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
# One build at a time: parallel test binaries may all find the cache empty.
exec 9>"$dir/.lock"
flock 9
if [[ -x $bin/kube-apiserver ]]; then
  echo "$bin"
  exit 0
fi

tmp=$dir/bin.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
export GOWORK=off GOFLAGS=-buildvcs=false
start=$SECONDS
log() { echo "kube-bins: $* ($((SECONDS - start))s)" >&2; }

# /version must report the release, not v0.0.0-master.
pkg=k8s.io/component-base/version
ver=(-X "$pkg.gitVersion=$version" -X "$pkg.gitMajor=1" -X "$pkg.gitMinor=37"
  -X "$pkg.gitTreeState=clean" -X "$pkg.buildDate=2026-01-01T00:00:00Z")

log "building kube-apiserver, kube-controller-manager, kube-scheduler"
(cd "$tools" && go build -trimpath -ldflags "-s -w ${ver[*]}" -o "$tmp/" ./cmd/...)
log "building etcd"
(cd "$tools/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" .)
log "building kwok"
(cd "$tools/kwok" && go build -trimpath -ldflags "-s -w" -o "$tmp/kwok" sigs.k8s.io/kwok/cmd/kwok)

# kwok needs stage definitions to move nodes to Ready and pods to Running;
# take the "fast" ones shipped in the kwok module we build from.
stages=$(cd "$tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
for f in "$stages"/node/fast/node-initialize.yaml "$stages"/node/heartbeat/node-heartbeat.yaml "$stages"/pod/fast/pod-*.yaml; do
  echo "---"
  cat "$f"
done >"$tmp/kwok-stages.yaml"

mv "$tmp" "$bin"
log "done: $bin"
echo "$bin"
