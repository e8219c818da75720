# cached-go-bin.sh is sourced by the scripts that build one test tool into a
# cache directory of its own (kubectl-bin.sh, helm-bin.sh). Each script keeps
# its cache key; this is the part they share: print the path, or build it
# once under a lock so parallel test binaries don't all build it.
#
# build_cached NAME BIN TOOLS_DIR PKG LDFLAGS [--print]
#
# BUILD_FLAGS (default -trimpath) go to `go build`; a tool built from BCS's
# own module passes none, so it reuses the packages `go test` compiled.
build_cached() {
  local name=$1 bin=$2 tools=$3 pkg=$4 ldflags=$5 mode=${6:-}
  if [[ $mode == --print || -x $bin ]]; then
    echo "$bin"
    return 0
  fi
  local dir
  dir=$(dirname "$bin")
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
  if [[ -x $bin ]]; then
    echo "$bin"
    return 0
  fi
  export GOWORK=off GOFLAGS=-buildvcs=false
  local start=$SECONDS
  echo "$name: building $(basename "$bin")" >&2
  # shellcheck disable=SC2086 # BUILD_FLAGS is a list of flags
  (cd "$tools" && go build ${BUILD_FLAGS--trimpath} -ldflags "$ldflags" -o "$bin.tmp" "$pkg")
  mv "$bin.tmp" "$bin"
  echo "$name: done: $bin ($((SECONDS - start))s)" >&2
  echo "$bin"
}
