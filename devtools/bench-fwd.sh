#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Packets per second of dpdk-plx-fwd on the simulated switch: DMA copies
# against CPU copies (and auto, the CPU below 256 bytes), on the same pcap
# files, in one run of this script. For each frame-size profile (small
# frames: 10 x PACKETS of them, full-size: 2 x, mixed 60-9000 B: PACKETS),
# each mode runs ROUNDS times, the modes interleaved; the median is
# printed.
# The rate is the application's own: packets sent from the first receive
# to the last send, pcap reading and writing included (the same in every
# mode).
#
# Usage: devtools/bench-fwd.sh [-n PACKETS] [-r ROUNDS] [-b BUILD_DIR]
#        [-- dpdk-plx-fwd options]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
count=100000
rounds=3
b="$top/build"
while [ $# -gt 0 ]; do
	case "$1" in
	-n) count=$2; shift 2 ;;
	-r) rounds=$2; shift 2 ;;
	-b) b=$(cd "$2" && pwd); shift 2 ;;
	--) shift; break ;;
	*) echo "usage: $0 [-n PACKETS] [-r ROUNDS] [-b BUILD_DIR] [-- options]"
	   exit 2 ;;
	esac
done
pmd=$("$top/devtools/pmd-path.sh" "$b")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# One run: prints "pkt/s Gbit/s".
rate() { # input mode [options]
	input=$1
	mode=$2
	shift 2
	"$b/app/dpdk-plx-sim" -n 4 -- "$b/app/dpdk-plx-fwd" --no-huge -m 512 \
		--iova-mode=va --no-shconf --file-prefix "plx-bench-$$" -l 0 \
		-d "$pmd" \
		--vdev "net_pcap0,rx_pcap=$input,tx_pcap=$work/out.pcap" -- \
		--copy-mode "$mode" --exit-on-idle 300 -i 0 "$@" 2>&1 |
	sed -n 's/^Rate:.*: \([0-9]*\) pkt\/s, \([0-9.]*\) Gbit\/s$/\1 \2/p'
}

median() { # file
	sort -n "$1" | sed -n "$(( (rounds + 1) / 2 ))p"
}

printf '%-24s %-5s %12s %9s\n' "frames" "mode" "pkt/s" "Gbit/s"
for profile in "60 64 10 small" "1500 1518 2 full-size" "60 9000 1 mixed"; do
	# shellcheck disable=SC2086
	set -- $profile "$@"
	lo=$1 hi=$2 n=$(($3 * count)) label=$4
	shift 4
	"$top/devtools/gen-pcap.py" -n "$n" --min-size "$lo" \
		--max-size "$hi" "$work/in.pcap"
	for mode in dma cpu auto; do
		: > "$work/$mode"
	done
	i=0
	while [ $i -lt "$rounds" ]; do
		for mode in dma cpu auto; do
			rate "$work/in.pcap" $mode "$@" >> "$work/$mode"
		done
		i=$((i + 1))
	done
	for mode in dma cpu auto; do
		# shellcheck disable=SC2046
		printf '%-24s %-5s %12s %9s\n' "$label ($lo-$hi B)" $mode \
			$(median "$work/$mode")
	done
done
