#!/usr/bin/env bash
# soak.sh: run the whole Go suite RUNS times (default 3) with a CPU burner
# per core beside it, and report every failing test of every run. Load is
# what turns a race into a failure; a quiet machine hides it.
# Usage: scripts/soak.sh [go test flags…]   (RUNS=3 BURNERS=$(nproc) PKGS=./...)
set -uo pipefail
runs=${RUNS:-3}
burners=${BURNERS:-$(nproc)}
read -ra pkgs <<<"${PKGS:-./...}"
logs=$(mktemp -d "${TMPDIR:-/tmp}/bcs-soak.XXXXXX")
pids=()
stop_burners() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	pids=()
}
trap stop_burners EXIT INT TERM
for _ in $(seq "$burners"); do
	# Busy loop in a child shell; killed by its pid when the soak ends.
	bash -c 'while :; do :; done' &
	pids+=($!)
done
failures=0
for run in $(seq "$runs"); do
	log="$logs/run-$run.log"
	echo "soak run $run/$runs (log $log)"
	go test "$@" "${pkgs[@]}" >"$log" 2>&1
	rc=$?
	failed=$(grep -E '^\s*--- FAIL: |^FAIL\s|^panic: ' "$log" || true)
	if [ "$rc" -ne 0 ] || [ -n "$failed" ]; then
		echo "run $run failed:"
		echo "${failed:-(go test exited $rc; see the log)}" | sed 's/^/  /'
		failures=$((failures + $(grep -cE '^\s*--- FAIL: ' "$log" || true)))
		[ "$rc" -ne 0 ] && ! grep -qE '^\s*--- FAIL: ' "$log" && failures=$((failures + 1))
	fi
done
stop_burners
echo "soak: $runs runs with $burners CPU burners, $failures failing tests (logs in $logs)"
[ "$failures" -eq 0 ]
