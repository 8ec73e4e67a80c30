#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Run DPDK's own examples/dma (dmafwd, from the installed DPDK's examples,
# unmodified) on the simulated switch, copying every packet of two null
# ports through two dma_plx channels: once as is, then with one function
# surprise-removed under traffic. Checks from dmafwd's own statistics that
# each channel copied, that no op failed before the removal, that the other
# channel went on forwarding after it, and that dmafwd exits cleanly.
#
# Usage: test-examples-dma.sh BUILD_DIR PMD.so
# Environment: DPDK_EXAMPLES (default /usr/share/dpdk/examples).
# Exit status: 0 pass, 1 fail, 77 skipped.
set -u

build=$1
pmd=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
src=${DPDK_EXAMPLES:-/usr/share/dpdk/examples}/dma/dmafwd.c
if [ ! -f "$src" ]; then
	echo "SKIP examples/dma: $src not installed (package dpdk-doc)"
	exit 77
fi

# Built as a user would, from the installed DPDK's pkg-config.
dmafwd=$build/examples/dmafwd
if [ ! -x "$dmafwd" ] || [ "$src" -nt "$dmafwd" ]; then
	mkdir -p "$build/examples"
	# shellcheck disable=SC2046
	if ! ${CC:-cc} -O2 -DALLOW_EXPERIMENTAL_API -o "$dmafwd" "$src" \
			$(pkg-config --cflags --libs libdpdk); then
		echo "FAIL examples/dma: dmafwd does not build"
		exit 1
	fi
fi

work=$(mktemp -d)
pid=
# Whether the launcher still runs (not exited, not even as a zombie).
alive() {
	[ -n "$pid" ] && [ -e "/proc/$pid" ] &&
		! grep -q ') Z' "/proc/$pid/stat" 2>/dev/null
}

# The launcher and dmafwd under it, which would otherwise outlive it.
kill_run() {
	[ -n "$pid" ] || return 0
	kill -9 $(cat "/proc/$pid/task/$pid/children" 2>/dev/null) "$pid" \
		2>/dev/null
}
cleanup() {
	kill_run
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export RUNTIME_DIRECTORY="$work"
passed=0
failed=0

# Stats dmafwd printed last, per channel: "submitted completed failed".
channel_stats() { # log
	awk '/Total submitted ops:/ && !/ops\/s/ { s = $4 }
		/Total completed ops:/ && !/ops\/s/ { c = $4 }
		/Total failed ops:/ && !/ops\/s/ { print s, c, $4 }' "$1" |
		tail -n 2
}

# Run dmafwd until it has printed `want` statistics blocks, then stop it
# with SIGINT, as a user would, and wait for its clean exit; one that does
# not come within 30 s is a failure, and the run is killed.
run_dmafwd() { # log want [launcher options...]
	log=$1 want=$2
	shift 2
	: >"$log"
	"$build/app/dpdk-plx-sim" -n 2 "$@" -- "$dmafwd" --no-huge -m 1024 \
		--iova-mode=va --no-shconf --file-prefix "dmafwd-$$" -l 0-1 \
		-d "$pmd" --vdev net_null0 --vdev net_null1 -- \
		-p 0x3 -q 1 -c hw -i 1 >"$log" 2>&1 &
	pid=$!
	if wait_for "$log" "Aggregate statistics" "$want" 60; then
		# The launcher passes the signal on to dmafwd.
		kill -INT "$pid"
	else
		kill_run
	fi
	# A dmafwd that does not exit within 30 s of SIGINT fails.
	(sleep 30 && kill_run) >/dev/null 2>&1 &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	pid=
	grep -aq '^Bye' "$log" && [ "$rc" -eq 0 ]
}

# Poll the log until it has `count` lines matching `pattern`; fails when the
# launcher exits first or after `secs` seconds.
wait_for() { # log pattern count secs
	deadline=$(($(date +%s) + $4))
	while [ "$(grep -ac "$2" "$1")" -lt "$3" ]; do
		if ! alive; then
			[ "$(grep -ac "$2" "$1")" -ge "$3" ]
			return
		fi
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

result() { # name ok log
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		tail -n 40 "$3" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

# Both channels copy, none fails, and almost every submitted op completed
# (dmafwd keeps at most one ring of 2048 in flight).
check_plain() { # log
	run_dmafwd "$1" 3 || return 1
	n=0
	for s in $(channel_stats "$1" | tr ' ' ,); do
		sub=${s%%,*} rest=${s#*,}
		cpl=${rest%%,*} fail=${rest#*,}
		[ "$cpl" -gt 0 ] && [ "$fail" -eq 0 ] &&
			[ $((sub - cpl)) -le 2048 ] || return 1
		n=$((n + 1))
	done
	[ "$n" -eq 2 ]
}
check_plain "$work/plain.log"
result "examples/dma: dmafwd copies through 2 channels" $? "$work/plain.log"

# Function 0 vanishes after 20000 descriptors: dmafwd must neither crash
# nor stall the other channel, which ends with more than the first did.
check_removal() { # log
	run_dmafwd "$1" 3 --fault 0:surprise-removal:20000 || return 1
	grep -aq '0000:03:00.1: device vanished' "$1" || return 1
	set -- $(channel_stats "$1" | awk '{ print $2 }')
	[ "$#" -eq 2 ] && [ "$1" -le 20000 ] && [ "$2" -gt 20000 ]
}
check_removal "$work/removal.log"
result "examples/dma: dmafwd survives a surprise removal" $? \
	"$work/removal.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
