#!/usr/bin/env bash
# check-dce.sh: the shipped binaries keep the Go linker's dead-code
# elimination of methods (make lint runs it; BENCHMARKS.md, "Binary size and
# linker dead-code elimination").
#
# A reachable function that calls reflect.Value.Method or MethodByName (or
# reflect.Type's) with a name known only at run time is marked ReflectMethod
# by the compiler; when the linker reaches one, it keeps every exported
# method of every reachable type (cmd/link/internal/ld/deadcode.go). Executing
# a text/template or html/template does it (text/template's
# (*state).evalField): rootguard then keeps every operation of every AWS SDK
# client it links and is 92 MB instead of 55 MB (golang/go#72895,
# spf13/cobra#1956). This builds each binary as it ships, for this machine,
# with the linker's -dumpdep graph, and fails naming the binary, each
# ReflectMethod function reached and the chain of calls to the first.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail=0
# check NAME PACKAGE [BUILD FLAGS...]
check() {
	local name=$1 pkg=$2 bad=0
	shift 2
	if ! "$GO" build "$@" -ldflags=-dumpdep -o "$tmp/$name" "$pkg" 2>"$tmp/$name.dep"; then
		grep -v -- ' -> ' "$tmp/$name.dep" >&2 || true
		echo "check-dce: go build $pkg failed" >&2
		fail=1
		return
	fi
	# -dumpdep prints "from -> to" when the linker first reaches "to" ("_"
	# is the entry point), flagging a ReflectMethod function after its name.
	# The first one reached turns the elimination off: its chain is printed
	# in full. Those after it are often only its consequence (methods kept
	# because every method is kept): named, one a line.
	local chains
	chains=$(awk '
		function bare(s) { gsub(/ <(ReflectMethod|UsedInIface)>/, "", s); return s }
		{
			i = index($0, " -> ")
			if (i == 0) next
			from = bare(substr($0, 1, i - 1)); to = substr($0, i + 4)
			if (to ~ / <ReflectMethod>/) { to = bare(to); if (!(to in parent)) found[++n] = to }
			else to = bare(to)
			if (!(to in parent)) parent[to] = from
		}
		END {
			if (n == 0) exit
			chain = found[1]
			for (s = found[1]; (s in parent) && parent[s] != "_" && d < 200; d++) { s = parent[s]; chain = s "\n    -> " chain }
			print "  " chain
			for (k = 2; k <= n; k++) print "  and " found[k]
		}' "$tmp/$name.dep")
	if [ -n "$chains" ]; then
		echo "check-dce: $name ($pkg) reaches a function that looks methods up by a name known only at run time, so the linker keeps every exported method of every reachable type:"
		echo "$chains"
		bad=1
	fi
	# The known offender, by name, in case the graph's format changes.
	"$GO" tool nm "$tmp/$name" >"$tmp/$name.nm"
	if grep -q 'text/template\.(\*state)\.evalField' "$tmp/$name.nm"; then
		echo "check-dce: $name ($pkg) links text/template.(*state).evalField (template execution)"
		bad=1
	fi
	if [ "$bad" = 0 ]; then
		echo "check-dce: $name keeps dead-code elimination ($(wc -c <"$tmp/$name") bytes)"
	else
		fail=1
	fi
}

check rootguard ./cmd/rootguard
# The Lambda functions as make lambda builds them, for this machine and with
# their symbols (nm needs them).
CGO_ENABLED=0 check auditor ./cmd/auditor -tags lambda.norpc -trimpath
CGO_ENABLED=0 check bootstrap ./cmd/bootstrap -tags lambda.norpc -trimpath
exit $fail
