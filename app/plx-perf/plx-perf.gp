# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Plot of dpdk-test-plx-perf's size sweep: throughput and worker cycles per
# operation against copy size, one line per engine.
# Usage: gnuplot -e "csv='plx-perf.csv'; png='plx-perf.png'; title='...'" \
#            app/plx-perf/plx-perf.gp
# (devtools/run-perf.sh does this.)

if (!exists("title")) title = "dpdk-test-plx-perf"
set terminal pngcairo size 1500,520 font "sans,10"
set output png
set datafile separator ","
set multiplot layout 1,3 title title
set logscale xy 2
set grid
set key top right
set xlabel "copy size (bytes)"
set xtics ("64" 64, "256" 256, "1K" 1024, "4K" 4096, "16K" 16384, "64K" 65536)
set format y "%g"
set xrange [48:90000]

engines = "plx plx-null skeleton cpu"
# The size-sweep rows of one engine (columns: see the CSV header).
rows(e) = sprintf("< awk -F, '$1 == \"size\" && $2 == \"%s\"' '%s'", e, csv)

set title "operations"
set ylabel "Mops"
plot for [i = 1:4] rows(word(engines, i)) using 4:9 with linespoints \
	lt i title word(engines, i)

# plx-null moves no data: its GB/s would be the driver's op rate times size.
set title "data moved"
set ylabel "GB/s"
set key bottom right
plot for [i in "1 3 4"] rows(word(engines, i + 0)) using 4:10 \
	with linespoints lt (i + 0) title word(engines, i + 0)

set title "CPU cost"
set ylabel "worker busy cycles per op (TSC)"
set key top left
plot for [i = 1:4] rows(word(engines, i)) using 4:11 with linespoints \
	lt i title word(engines, i)
unset multiplot
