#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Run DPDK's own dpdk-test-dma-perf (23.11 and later) with
# config/dma-perf-plx-sim.ini on the simulated PLX switch, and judge it:
# the program exits 0 whatever happens, so a pass is every case's process
# exiting 0, a result row on a simulated function for each case, and no
# failed check of the copied data (it compares every buffer).
#
# Usage: test-dma-perf.sh [-b BUILD_DIR] [-d PMD.so] [-c CONFIG]
#            [-- LAUNCHER_OPTS...]
#   -b  meson build directory holding app/dpdk-plx-sim (default: build)
#   -d  driver plugin, added to the EAL arguments of every case; without
#       it EAL must find the PMD itself (meson install)
#   -c  configuration (default: config/dma-perf-plx-sim.ini)
#   LAUNCHER_OPTS go to dpdk-plx-sim (e.g. --null-copy, which must fail)
# Exit status: 0 pass, 1 fail, 77 skipped (no dpdk-test-dma-perf).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
pmd=
config=$top/config/dma-perf-plx-sim.ini
prog=${DPDK_TEST_DMA_PERF_BIN:-/usr/bin/dpdk-test-dma-perf}

while getopts b:d:c:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	d) pmd=$OPTARG ;;
	c) config=$OPTARG ;;
	*) sed -n '5,18s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

launcher=$build/app/dpdk-plx-sim
[ -x "$launcher" ] || { echo "test-dma-perf: $launcher not built" >&2; exit 1; }
if [ ! -x "$prog" ]; then
	echo "SKIP dma-perf: $prog not installed (package dpdk, DPDK 23.11 or later)"
	exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
if [ -n "$pmd" ]; then
	# EAL wants it by a path with no world-writable directory in it.
	pmd=$(cd "$(dirname "$pmd")" && pwd)/$(basename "$pmd")
	sed "s|^eal_args=.*|& -d $pmd|" "$config" > "$work/config.ini"
	config=$work/config.ini
fi

cases=$(grep -c '^\[case[0-9]*\]' "$config")
echo "$launcher -n 1 $* -- $prog --config $config${pmd:+ (-d $pmd)}"
status=0
"$launcher" -n 1 "$@" -- "$prog" --config "$config" \
	--result "$work/result.csv" > "$work/log" 2>&1 || status=$?
grep -v '^[[:space:]]*$' "$work/log" | tail -n 40

# A case's process inherits unwritten output of the parent's: count the
# cases that say they completed, once each.
ok=$(grep -E '^Case [0-9]+ completed' "$work/log" | sort -u | wc -l)
rows=$(grep -cE '^Scenario [0-9]+,[^,]*,0000:03:00\.' "$work/result.csv" \
	2>/dev/null || true)
# 24.11 counts [GLOBAL] as a case without a type ("No case type").
bad=$(grep -E 'validation fails|killed by signal|Error' "$work/log" |
	grep -vc 'No case type in case' || true)
if [ "$status" -eq 0 ] && [ "$ok" -eq "$cases" ] && [ "$rows" -ge "$cases" ] &&
		[ "$bad" -eq 0 ]; then
	echo "PASS dma-perf: $cases cases, $rows results on dma_plx, every copy checked"
	exit 0
fi
echo "FAIL dma-perf: exit status $status, $ok of $cases cases completed," \
	"$rows results on dma_plx, $bad failure lines"
exit 1
