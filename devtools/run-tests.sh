#!/bin/sh
# Run every plx-dma test: set-up and build first (devtools/setup.sh), then
# `meson test` in the plain build (every test) and in build-asan (the
# sanitizers view of the same tests: AddressSanitizer +
# UndefinedBehaviorSanitizer), then, if there is one, the other
# platforms' run (devtools/test-roots.sh). One "ok" or "FAIL" line per
# test program, the failing cases' output after it; ends with "N passed,
# N failed", counting the test cases each program reports.
#
# Usage: devtools/run-tests.sh [--local-only] [NAME-FILTER]
#   --local-only  not the other platforms (also PLX_TEST_LOCAL_ONLY=1)
#   NAME-FILTER   only tests whose name (e.g. build-asan/dma-plx) has it
#
# A developer's quick check: meson test -C build --suite fast
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
filter=
local_only=${PLX_TEST_LOCAL_ONLY:-0}
for arg; do
	case "$arg" in
	--local-only) local_only=1 ;;
	-h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) filter=$arg ;;
	esac
done

if ! "$top/devtools/setup.sh" --asan; then
	echo "setup failed"
	echo "0 passed, 1 failed"
	exit 1
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT INT TERM
passed=0
failed=0
skipped=0

# Count a program's own "N passed, N failed[, N skipped]" line; a program
# that ends without one counts as one test, by its exit status (77: it
# skipped itself).
tally() { # name status log
	line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$3" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
		s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
		[ "$2" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	elif [ "$2" -eq 0 ]; then
		p=1 f=0 s=""
	elif [ "$2" -eq 77 ]; then
		p=0 f=0 s=1
	else
		p=0 f=1 s=""
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $1 (exit $2): $p passed, $f failed"
		grep -aE '^(FAIL|SKIP) ' "$3" | sed 's/^/    /'
		sed 's/^/    /' "$3" | tail -n 30
	else
		echo "ok   $1: $p passed${s:+, $s skipped}"
	fi
}

selected() { # name
	case "$1" in *"$filter"*) return 0 ;; esac
	return 1
}

# The tests of build directory $1 that `meson test --list ARGS` names and
# the filter selects, run by meson (in parallel where they may), each
# tallied from meson's log.
run_meson() { # build-dir [meson test selection...]
	b=$1
	shift
	names=
	for n in $(meson test -C "$b" --no-rebuild --list "$@" 2>/dev/null |
			sed -n 's/.* \/ //p'); do
		selected "$b/$n" && names="$names $n"
	done
	[ -n "$names" ] || return 0
	# shellcheck disable=SC2086
	meson test -C "$b" --no-rebuild --no-stdsplit --logbase run-tests \
		$names > "$logs/$b-meson.log" 2>&1 < /dev/null
	# shellcheck disable=SC2086
	python3 "$top/devtools/meson-test-logs.py" \
		"$b/meson-logs/run-tests.json" "$logs/$b" $names \
		> "$logs/$b.list" || tail -n 30 "$logs/$b-meson.log"
	tab=$(printf '\t')
	while IFS=$tab read -r name status secs log; do
		tally "$b/$name" "$status" "$log"
		echo "     ($secs s)"
	done < "$logs/$b.list"
	if grep -qs '^no result from meson test' "$logs/$b"/*.log; then
		echo "     meson test -C $b:"
		tail -n 20 "$logs/$b-meson.log" | sed 's/^/    /'
	fi
}

# A program meson does not run.
run() { # name command...
	name=$1
	shift
	selected "$name" || return 0
	log="$logs/$(echo "$name" | tr / _).log"
	start=$(date +%s)
	"$@" > "$log" 2>&1 < /dev/null
	status=$?
	tally "$name" "$status" "$log"
	echo "     ($(( $(date +%s) - start )) s)"
}

run_meson build
run_meson build-asan --suite sanitizers

# The suite on the other platforms (Debian roots with other DPDKs), if
# this checkout has a script for it; it ends with "N passed, N failed".
if [ "$local_only" != 1 ] && [ -x "$top/devtools/test-roots.sh" ]; then
	run roots "$top/devtools/test-roots.sh"
fi

echo "${passed} passed, ${failed} failed$([ "$skipped" -ne 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
