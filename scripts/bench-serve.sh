#!/usr/bin/env bash
# Measures `bcs serve` start-to-ready on a fresh SQLite database and its idle
# RSS once ready. Loopback only; the server is stopped at the end.
set -euo pipefail
bin=${1:-bin/bcs}
runs=${RUNS:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
for i in $(seq "$runs"); do
	rm -f "$dir"/bcs.db*
	start=$(date +%s%N)
	"$bin" serve --listen 127.0.0.1:$port --database "sqlite://$dir/bcs.db" --secret-key-file "$dir/bcs.key" >"$dir/log" 2>&1 &
	pid=$!
	deadline=$((start + 10000000000))
	until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || { echo "not ready in 10 s"; cat "$dir/log"; kill $pid; exit 1; }
	done
	ready=$(( ($(date +%s%N) - start) / 1000000 ))
	rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
	echo "run $i: ready in ${ready} ms, RSS ${rss} MiB"
	kill -TERM $pid; wait $pid || true
done
