#!/usr/bin/env bash
# Where `make test`'s time goes: runs the README's test command's `go test`
# (same flags) once, with the linker and every test binary under
# /usr/bin/time, and prints
#   - the wall time and the CPU seconds of the whole run,
#   - the CPU seconds spent linking the test binaries (one per package),
#   - the CPU seconds each package's tests used (their children included:
#     Chromium, the SARIF validator, Lambda functions of the local AWS),
#   - the slowest links and the costliest test runs.
# On a 2-core machine the wall time cannot be below (total CPU) / 2.
#
# Usage: scripts/test-cost.sh [go test packages, default ./...]
#        scripts/test-cost.sh --floor
# --floor links, for every package with tests, a test binary that imports
# only that package and has no test code of its own: what linking the code
# under test costs however its tests are written (no local AWS, no fakes).
# Needs GNU time (/usr/bin/time). BENCHMARKS.md, "make test", has its output.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --floor ]; then
	dir=internal/zz_testcost_floor
	tmp=$(mktemp -d)
	trap 'rm -rf "$dir" "$tmp"' EXIT
	mkdir -p "$dir"
	cat >"$tmp/link" <<'LINK'
#!/bin/sh
case "$1" in
*/link) exec /usr/bin/time -a -o "$COST_FLOOR" -f "%U %S $COST_PKG" "$@" ;;
*) exec "$@" ;;
esac
LINK
	chmod +x "$tmp/link"
	export COST_FLOOR="$tmp/floor"
	for pkg in $(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{if ne .Name "main"}}{{.ImportPath}}{{end}}{{end}}' ./...); do
		printf 'package floor\n\nimport (\n\t"testing"\n\n\t_ "%s"\n)\n\nfunc TestLink(*testing.T) {}\n' "$pkg" >"$dir/floor_test.go"
		rm -f "$tmp/floor.test"
		# A package under another internal/ cannot be imported from here.
		COST_PKG=$pkg go test -c -vet=off -toolexec "$tmp/link" -o "$tmp/floor.test" "./$dir" >/dev/null 2>&1 ||
			echo "skipped $pkg (not importable from $dir)"
	done
	grep -E '^[0-9.]+ [0-9.]+ ' "$COST_FLOOR" | awk '$1+$2 > 0.05 {n++; c+=$1+$2} END {printf "linking %d test binaries of their packages alone: %.1f CPU-s (%.1f s of 2 cores)\n", n, c, c/2}'
	exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# -toolexec wraps every tool go test runs; only the linker is timed.
cat >"$out/link" <<'EOF'
#!/bin/sh
case "$1" in
*/link)
	bin=unknown
	prev=
	for a in "$@"; do
		[ "$prev" = "-o" ] && bin=$(basename "$a")
		prev=$a
	done
	exec /usr/bin/time -a -o "$COST_DIR/links" -f "%U %S %e $bin" "$@"
	;;
*) exec "$@" ;;
esac
EOF
# -exec runs each test binary from its package's directory.
cat >"$out/run" <<'EOF'
#!/bin/sh
pkg=$(pwd)
pkg=${pkg#"$COST_ROOT"/}
exec /usr/bin/time -a -o "$COST_DIR/runs" -f "%U %S %e $pkg" "$@"
EOF
chmod +x "$out/link" "$out/run"
export COST_DIR="$out" COST_ROOT="$PWD"

start=$(date +%s.%N)
/usr/bin/time -o "$out/total" -f "%U %S %e" \
	go test -count=1 -vet=off -p 4 -parallel 4 -timeout 20m \
	-toolexec "$out/link" -exec "$out/run" "${@:-./...}" >"$out/log" 2>&1 || {
	cat "$out/log"
	exit 1
}

# /usr/bin/time -a appends a "Command exited with non-zero status" line
# before the figures when a test fails; keep only the figures.
figures() { grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ ' "$1" || true; }
read -r tu ts tw <"$out/total"
links=$(figures "$out/links" | awk '$1+$2 > 0.05 {n++; c+=$1+$2} END {printf "%d %.1f", n, c}')
runs=$(figures "$out/runs" | awk '{n++; c+=$1+$2} END {printf "%d %.1f", n, c}')
awk -v tu="$tu" -v ts="$ts" -v tw="$tw" -v links="$links" -v runs="$runs" 'BEGIN {
	split(links, l, " "); split(runs, r, " ")
	total = tu + ts
	printf "wall %.1f s; CPU %.1f s (floor on 2 cores: %.1f s wall)\n", tw, total, total / 2
	printf "  linking %d test binaries: %.1f CPU-s\n", l[1], l[2]
	printf "  running %d test binaries:  %.1f CPU-s (with their child processes)\n", r[1], r[2]
	printf "  the go command and the rest: %.1f CPU-s\n", total - l[2] - r[2]
}'
echo "costliest links (CPU-s, wall s, binary):"
figures "$out/links" | awk '$1+$2 > 0.05 {printf "  %5.2f %5.2f %s\n", $1+$2, $3, $4}' | sort -rn | head -8
echo "costliest test runs (CPU-s, wall s, package):"
figures "$out/runs" | awk '{printf "  %5.2f %5.2f %s\n", $1+$2, $3, $4}' | sort -rn | head -10
