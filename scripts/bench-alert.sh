#!/usr/bin/env bash
# Benchmarks of the alert function, as reported in BENCHMARKS.md ("Alert
# function"): per-event render time, zip sizes, and cold start + peak RSS of
# the Go bootstrap against the runbook's Python handler with boto3. Not part
# of `make test`. The cold-start part skips, saying why, without Debian's
# python3-boto3 (apt-get install -y python3-boto3).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== render (go test -bench)"
go test -run '^$' -bench 'Render' -benchmem -count=1 ./internal/slackmsg/

echo "== zip sizes (make lambda)"
make lambda >/dev/null
for z in dist/bootstrap-arm64.zip dist/bootstrap-x86_64.zip; do
	printf '%s: %s bytes (%.1f MB)\n' "$z" "$(stat -c %s "$z")" "$(echo "$(stat -c %s "$z") / 1000000" | bc -l)"
done

echo "== cold start and peak RSS"
go test -tags coldstart -run TestColdStart -count=1 -v ./internal/alertfn/ | sed -n '/^=== RUN/,$p'
