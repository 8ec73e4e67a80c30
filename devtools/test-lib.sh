#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# What devtools/run-tests.sh and devtools/root-test.sh share (sourced):
# running tests and counting their cases into passed, failed and skipped.
# The caller sets top (the checkout), logs (a scratch directory) and
# filter (a name filter; empty: all), and runs from the directory that
# holds the build directories it names.
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
	# "project:suite / name" (meson 1.0) or "suite - project:name".
	for n in $(meson test -C "$b" --no-rebuild --list "$@" 2>/dev/null |
			sed -n -e 's/.* \/ //p' -e 's/^[^ ]* - [^:]*://p'); do
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
