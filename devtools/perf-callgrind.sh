#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Count the instructions dma_plx's fast path executes per copy, with
# valgrind's callgrind, on the simulated switch: the engine in null-copy
# mode, 64-byte copies, kick batch 32, a fixed number of operations, and the
# worker polling only once the engine has finished what was submitted (no
# empty polls). Instruction counts do not depend on the machine's load.
#
# Prints the instructions per operation of plx_dma_copy, plx_dma_submit and
# plx_dma_completed (each inclusive of what it calls, on the worker thread
# only) and their sum, then the whole worker loop's (benchmark, DPDK's
# inline rte_dma_* wrappers and the driver).
#
# Usage: devtools/perf-callgrind.sh [dpdk-test-plx-perf options]
#   e.g. devtools/perf-callgrind.sh -s 4096 --batch 8
#        devtools/perf-callgrind.sh --sg 4    (scatter-gather, 4 segments)
# Environment: BUILD (build directory, default build), OPS (default 65536).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/${BUILD:-build}
ops=${OPS:-65536}
sim=$build/app/dpdk-plx-sim
perf=$build/app/dpdk-test-plx-perf
pmd=$("$top/devtools/pmd-path.sh" "$build") ||
	pmd=$build/drivers/dma/plx/librte_dma_plx.so

for f in "$sim" "$perf" "$pmd"; do
	if [ ! -e "$f" ]; then
		echo "perf-callgrind: $f missing: build first (ninja -C $build)" >&2
		exit 1
	fi
done
if ! command -v valgrind >/dev/null; then
	echo "perf-callgrind: valgrind missing (apt-get install valgrind)" >&2
	exit 1
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

# run NAME "FUNCTION...": one run collecting inside those functions only (a
# toggle nested in another switches collection off while it runs); prints
# the instructions collected. The script's arguments go to the benchmark
# last, so that they win.
run() {
	name=$1
	toggles=""
	for t in $2; do
		toggles="$toggles --toggle-collect=$t"
	done
	shift 2
	# shellcheck disable=SC2086
	"$sim" -n 1 -- valgrind --tool=callgrind --collect-atstart=no \
		$toggles --callgrind-out-file="$out/$name.cg" \
		"$perf" --no-huge -m 128 --iova-mode=va --no-shconf \
		--file-prefix "plx-perf-cg-$$" -l 0-1 -d "$pmd" \
		--log-level=lib.eal:warning --log-level=pmd.dma.plx:warning \
		-- -e plx-null -w size -s 64 --batch 32 --ring 1024 \
		-n "$ops" -m 4M -l 0 --sync "$@" > "$out/$name.log" 2>&1 || {
		echo "perf-callgrind: run '$name' failed:" >&2
		tail -n 20 "$out/$name.log" >&2
		exit 1
	}
	ops_done=$(sed -n 's/^ *plx-null: \([0-9]*\) ops.*/\1/p' "$out/$name.log")
	ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/$name.log")
	if [ -z "$ir" ] || [ -z "$ops_done" ] || [ "$ops_done" -eq 0 ]; then
		echo "perf-callgrind: run '$name' counted nothing" >&2
		exit 1
	fi
}

per_op() { # instructions ops
	awk -v i="$1" -v n="$2" 'BEGIN { printf "%.1f", i / n }'
}

# With --sg N (scatter-gather ops of N segments a side), the copy is
# plx_dma_copy_sg, and the driver's figure is given per segment too.
sges=1
copy=plx_dma_copy
prev=
for a in "$@"; do
	[ "$prev" = --sg ] && sges=$a
	prev=$a
done
[ "$sges" -gt 1 ] && copy=plx_dma_copy_sg

total=0
for fn in $copy plx_dma_submit plx_dma_completed; do
	run "$fn" "$fn ${fn}_fenced" "$@"
	printf '%-18s %6s instructions/op\n' "$fn" "$(per_op "$ir" "$ops_done")"
	total=$((total + ir))
done
sed -n 's/^ *plx-null: /  per run: /p' "$out/$copy.log"
printf '%-18s %6s instructions/op (copy + submit + completed)\n' driver \
	"$(per_op "$total" "$ops_done")"
[ "$sges" -le 1 ] ||
	printf '%-18s %6s instructions/segment (%s segments per op)\n' \
		"driver" "$(per_op "$total" $((ops_done * sges)))" "$sges"
run loop "perf_dma_loop sync_engine" "$@"
printf '%-18s %6s instructions/op (%s)\n' "worker loop" \
	"$(per_op "$ir" "$ops_done")" "benchmark loop, rte_dma_* wrappers, driver"
