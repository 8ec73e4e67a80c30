#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Run dpdk-test-plx-perf on the simulated switch (the engine thread pinned
# to CPU 0, workers on the other CPUs) and plot its size sweep.
#
# Usage: devtools/run-perf.sh [--doc] [dpdk-test-plx-perf options]
#   --doc  the guide's plot: the size sweep (-w size, each case the best of
#          three rounds), its CSV written to doc/guides/img/plx_perf.csv and
#          rendered into doc/guides/img/plx_perf.png; fails without gnuplot.
#          Options after it go to the benchmark (e.g. -t 100).
# Writes build/perf/plx-perf.{txt,csv,png} (OUT overrides the directory).
# Needs gnuplot (Debian: gnuplot-nox, in devtools/setup.sh) for the plot.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/${BUILD:-build}
out=${OUT:-$build/perf}
doc=false
sweeps=""
if [ "${1:-}" = "--doc" ]; then
	doc=true
	sweeps="-w size"
	shift
	if ! command -v gnuplot >/dev/null; then
		echo "run-perf: --doc needs gnuplot (apt-get install gnuplot-nox)" >&2
		exit 1
	fi
fi
pmd=$("$top/devtools/pmd-path.sh" "$build")
mkdir -p "$out"

# CPU 0: the simulated engine, the main lcore (asleep while workers run)
# and dma_skeleton's copy threads; workers 1-4 on the other CPUs.
cpus=$(nproc)
if [ "$cpus" -ge 5 ]; then
	lcores="0@0,1@1,2@2,3@3,4@4"
elif [ "$cpus" -ge 2 ]; then
	lcores="0@0,(1-4)@(1-$((cpus - 1)))"
else
	echo "run-perf: needs at least two CPUs" >&2
	exit 1
fi

"$build/app/dpdk-plx-sim" -n 4 --cpu 0 -- "$build/app/dpdk-test-plx-perf" \
	--no-huge -m 1024 --iova-mode=va --no-shconf \
	--file-prefix "plx-perf-$$" --lcores "$lcores" -d "$pmd" \
	--log-level=lib.eal:warning --log-level=pmd.dma.plx:warning \
	--log-level=pmd.dma.skeleton:warning \
	-- --repeat 3 $sweeps --csv "$out/plx-perf.csv" "$@" \
	> "$out/plx-perf.txt" || {
	status=$?
	cat "$out/plx-perf.txt"
	echo "run-perf: the benchmark failed ($status)" >&2
	exit "$status"
}
cat "$out/plx-perf.txt"

if ! command -v gnuplot >/dev/null; then
	echo "run-perf: gnuplot missing (apt-get install gnuplot-nox): no plot" >&2
	exit 0
fi
if grep -q '^size,' "$out/plx-perf.csv"; then
	title=$(sed -n 's/^# machine: //p' "$out/plx-perf.csv" | head -n 1)
	how=$(sed -n 's/^# buffers //p' "$out/plx-perf.csv" | head -n 1)
	title="dma\\_plx (simulated engine), dma\\_skeleton, rte\\_memcpy: $title; buffers $how"
	gnuplot -e "csv='$out/plx-perf.csv'; png='$out/plx-perf.png'" \
		-e "title='$title'" "$top/app/plx-perf/plx-perf.gp"
	echo "plot: $out/plx-perf.png"
	if $doc; then
		cp "$out/plx-perf.png" "$top/doc/guides/img/plx_perf.png"
		cp "$out/plx-perf.csv" "$top/doc/guides/img/plx_perf.csv"
		echo "copied to doc/guides/img/plx_perf.{png,csv}"
	fi
fi
