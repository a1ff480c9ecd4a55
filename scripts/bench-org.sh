#!/usr/bin/env bash
# Organization-scale benchmark of `rootguard audit --org`, as reported in
# BENCHMARKS.md ("Organization audit"). The local AWS runs as its own process
# (`rootguard local`) so that wall time and peak RSS are the CLI's alone.
# Every call gets 50 ms of latency; IAM throttles 2 % and STS 1 % of calls.
# Not part of `make test`. Usage: scripts/bench-org.sh [sizes…] (default 100 300 1000)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
bin=$(mktemp -d)/rootguard
go build -o "$bin" ./cmd/rootguard

run() { # members concurrency
	local env pid
	env=$(mktemp)
	"$bin" local --members "$1" --latency 50ms --throttle iam=0.02,sts=0.01 >"$env" 2>/dev/null &
	pid=$!
	for _ in $(seq 100); do [ -s "$env" ] && break; sleep 0.1; done
	# shellcheck disable=SC1090
	( set -a; . "$env"
	  /usr/bin/time -f "%e %M" -o "$env.time" "$bin" audit --org --concurrency "$2" --output json >"$env.json" || true )
	kill "$pid"; wait "$pid" 2>/dev/null || true
	read -r wall rss < <(tail -n 1 "$env.time")
	read -r accounts errors < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["accounts"]), d["account_summary"]["error"])' "$env.json")
	printf '| %s | %s | %s | %s s | %.0f MB | %s |\n' "$(( $1 + 4 ))" "$2" "$accounts" "$wall" "$(echo "$rss / 1024" | bc -l)" "$errors"
	rm -f "$env" "$env.time" "$env.json"
}

echo "| accounts in org | concurrency | audited | wall | peak RSS | accounts in ERROR |"
echo "|---|---|---|---|---|---|"
for n in "${@:-100 300 1000}"; do
	for size in $n; do run "$size" 32; done
done
[ "${SERIAL:-1}" = 1 ] && run 1000 1
