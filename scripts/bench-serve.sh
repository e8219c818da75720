#!/usr/bin/env bash
# Measures `bcs serve` start-to-ready on a fresh SQLite database and its RSS:
# idle once ready (after --release-startup-pages has run, when on), then
# after a warm-up of typical requests (queries, a subscription, GraphiQL and
# the console), each split into anonymous and file-backed memory from
# /proc/PID/smaps_rollup, so the working set shows, not just one number.
# Loopback only; the server is stopped at the end. Flags for `bcs serve` go
# in SERVE_FLAGS (e.g. SERVE_FLAGS=--release-startup-pages=false).
set -euo pipefail
bin=${1:-bin/bcs}
runs=${RUNS:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
url=http://127.0.0.1:$port

# mem PID: "RSS R MiB (anonymous A, file-backed F)"
mem() {
	awk '/^Rss:/ {r=$2} /^Anonymous:/ {a=$2} END {printf "RSS %d MiB (anonymous %d, file-backed %d)", r/1024, a/1024, (r-a)/1024}' /proc/"$1"/smaps_rollup
}

# ms CMD…: wall time of CMD in milliseconds
ms() {
	local t0
	t0=$(date +%s%N)
	"$@" >/dev/null
	echo $((($(date +%s%N) - t0) / 1000000))
}

query() {
	curl -fs "$url/query" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data "{\"query\":\"$1\"}"
}

for i in $(seq "$runs"); do
	rm -f "$dir"/bcs.db*
	# the whole binary in the page cache, as after a build or on a busy node:
	# fault-around then maps the most, and each run starts alike
	cat "$bin" >/dev/null
	start=$(date +%s%N)
	# shellcheck disable=SC2086
	"$bin" serve --listen 127.0.0.1:$port --database "sqlite://$dir/bcs.db" --secret-key-file "$dir/bcs.key" ${SERVE_FLAGS:-} >"$dir/log" 2>&1 &
	pid=$!
	deadline=$((start + 10000000000))
	until curl -fs "$url/readyz" >/dev/null 2>&1; do
		kill -0 $pid 2>/dev/null || { echo "bcs serve exited before ready:"; cat "$dir/log"; exit 1; }
		[ "$(date +%s%N)" -lt "$deadline" ] || { echo "not ready in 10 s"; cat "$dir/log"; kill $pid; exit 1; }
	done
	ready=$((($(date +%s%N) - start) / 1000000))
	# idle: a second after ready, the start-up pages released if that is on
	deadline=$(($(date +%s%N) + 1000000000))
	while [ "$(date +%s%N)" -lt "$deadline" ]; do sleep 0.05; done
	idle=$(mem $pid)
	token=$("$bin" token create --user admin --admin --database "sqlite://$dir/bcs.db" 2>/dev/null)
	first=$(ms query '{ me { name } }')
	for q in '{ me { name } }' '{ projects(first: 20) { totalCount edges { node { id name } } } }' \
		'{ clusters(first: 20) { totalCount edges { node { id name status } } } }' '{ changesHead }'; do
		query "$q" >/dev/null
	done
	curl -fs "$url/graphiql" >/dev/null
	curl -fs "$url/" >/dev/null
	curl -s -m 1 "$url/query" -H "Authorization: Bearer $token" -H 'Accept: text/event-stream' -H 'Content-Type: application/json' \
		--data '{"query":"subscription { changes { revision } }"}' >/dev/null || true
	curl -fs "$url/metrics" >/dev/null
	warm=$(mem $pid)
	echo "run $i: ready in ${ready} ms; idle $idle; first query ${first} ms; after warm-up $warm"
	kill -TERM $pid
	wait $pid || true
done
