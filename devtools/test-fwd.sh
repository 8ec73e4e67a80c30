#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Tests of dpdk-plx-fwd on the simulated switch: pcap files of mixed-size
# frames (60 B to 9000 B jumbo frames, multi-segment mbufs) go through the
# application in each copy mode, with DMA failures, stalls and the DMA
# function unplugged (and plugged back) mid-run, with several ports and
# queues, and stopped by SIGINT and SIGTERM. The output must hold the input
# packets, byte for byte and in order; the counters must show what
# happened. Prints "PASS name" or "FAIL name: why" per case, then
# "N passed, N failed".
#
# Usage: devtools/test-fwd.sh [BUILD_DIR] [SIM_OPTION...]
#   BUILD_DIR: default build (e.g. build-asan); SIM_OPTIONs go to every
#   dpdk-plx-sim run, e.g. --chaos 7 --burst-prefetch.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
b=${1:-build}
[ $# -gt 0 ] && shift
every_sim="$*"
case "$b" in /*) ;; *) b="$top/$b" ;; esac
fwd="$b/app/dpdk-plx-fwd"
sim="$b/app/dpdk-plx-sim"
pmd=$("$top/devtools/pmd-path.sh" "$b") || pmd="$b/drivers/dma/plx/librte_dma_plx.so"
cmp_pcap="$top/devtools/cmp-pcap.py"

for f in "$fwd" "$sim" "$pmd"; do
	if [ ! -e "$f" ]; then
		echo "FAIL setup: $f missing (build first)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
passed=0
failed=0

N=10000
in="$work/in.pcap"
in2="$work/in2.pcap"
long="$work/long.pcap"
NLONG=100000
if ! "$top/devtools/gen-pcap.py" -n $N -s 1 "$in" ||
		! "$top/devtools/gen-pcap.py" -n $N -s 2 "$in2" ||
		! "$top/devtools/gen-pcap.py" -n $NLONG -s 3 --max-size 1518 \
			"$long"; then
	echo "FAIL setup: devtools/gen-pcap.py"
	echo "0 passed, 1 failed"
	exit 1
fi

pass() {
	echo "PASS $1"
	passed=$((passed + 1))
}

fail() { # name why
	echo "FAIL $1: $2"
	failed=$((failed + 1))
	sed 's/^/    /' "$log" | grep -v '^    EAL:' | tail -n 25
}

# Start dpdk-plx-fwd on the simulated switch, in the background when $BG
# is set. Ports: $VDEVS (default: one net_pcap port, $input to $out).
# Simulator options: $every_sim $SIM_OPTS; lcores: $LCORES (default 0).
start_fwd() { # name input fwd-options...
	name=$1
	input=$2
	shift 2
	out="$work/$name.pcap"
	log="$work/$name.log"
	vdevs=${VDEVS:-"--vdev net_pcap0,rx_pcap=$input,tx_pcap=$out"}
	# shellcheck disable=SC2086
	set -- "$sim" -n 4 $every_sim ${SIM_OPTS:-} -- "$fwd" --no-huge -m 512 \
		--iova-mode=va --no-shconf --file-prefix "plx-fwd-$name-$$" \
		-l "${LCORES:-0}" -d "$pmd" $vdevs -- -i 0 "$@"
	if [ -n "${BG:-}" ]; then
		"$@" > "$log" 2>&1 < /dev/null &
		pid=$!
	else
		"$@" > "$log" 2>&1 < /dev/null
	fi
}

# The value of a counter of the final "totals:" line.
counter() { # key
	sed -n "s/^totals:.* $1=\([0-9]*\).*/\1/p" "$log"
}

# Check "KEY OP VALUE" triples against the counters; $why says what failed.
expect() {
	while [ $# -ge 3 ]; do
		v=$(counter "$1")
		if [ -z "$v" ] || ! test "$v" "$2" "$3"; then
			why="$1=${v:-missing}, expected $2 $3"
			return 1
		fi
		shift 3
	done
}

# Output identical to input (or its prefix with --prefix).
same() { # [--prefix] input output
	if ! why=$("$cmp_pcap" "$@"); then
		return 1
	fi
}

# Judge a finished run: exit status, output, counters, log lines.
judge() { # name status "[--prefix] input" expectations [log-pattern]
	# shellcheck disable=SC2086
	if [ "$2" -ne 0 ]; then
		fail "$1" "exit status $2"
	elif grep -q 'Sanitizer\|runtime error' "$log"; then
		fail "$1" "sanitizer report"
	elif ! same $3 "$out"; then
		fail "$1" "$why"
	elif ! expect $4; then
		fail "$1" "$why"
	elif [ -n "${5:-}" ] && ! grep -q "$5" "$log"; then
		fail "$1" "no '$5' in the log"
	else
		pass "$1"
	fi
}

# One run to the end of the input; fwd options after the expectations.
case_fwd() { # name input expectations [fwd-options...]
	name=$1
	input=$2
	exp=$3
	shift 3
	start_fwd "$name" "$input" --exit-on-idle 300 "$@"
	judge "$name" $? "$input" "$exp"
}

all="rx -eq $N tx -eq $N dropped -eq 0"

# --- copy modes ---
case_fwd copy-dma "$in" "$all dma -eq $N cpu -eq 0 fallback -eq 0 retry -eq 0 dma_sg -gt 0" \
	--copy-mode dma
case_fwd copy-cpu "$in" "$all cpu -eq $N dma -eq 0 dma_segments -eq 0 dma_sg -eq 0" \
	--copy-mode cpu
case_fwd copy-auto "$in" "$all dma -gt 0 cpu -gt 0 fallback -eq 0" \
	--copy-mode auto --cpu-threshold 512
# A 32-descriptor ring is full most of the time: packets wait, none lost.
case_fwd backpressure "$in" "$all dma -eq $N waits -gt 0" \
	--ring-size 32 --burst 64

# --- DMA failures ---
case_fwd read-fail "$in" "$all retry -ge 1 dma_failures -ge 1 lost -eq 0" \
	--sim-fault read-fail@2000
case_fwd write-fail "$in" "$all retry -ge 1 dma_failures -ge 1 lost -eq 0" \
	--copy-mode auto --sim-fault write-fail@5000
case_fwd stall "$in" "$all stalled -eq 1 retry -ge 1 fallback -gt 0" \
	--sim-fault stall@3000 --dma-timeout 200

# --- the DMA function goes away ---
case_fwd unplug "$in" "$all lost -eq 1 dma -gt 0 fallback -gt 0" \
	--sim-unplug 3000
case_fwd surprise-removal "$in" "$all lost -eq 1 dma -gt 0 fallback -gt 0" \
	--sim-fault surprise-removal@3000
name=replug
start_fwd "$name" "$long" --exit-on-idle 300 --sim-unplug 2000 \
	--sim-replug 10000
judge "$name" $? "$long" "rx -eq $NLONG tx -eq $NLONG dropped -eq 0 lost -eq 1
	reprobed -eq 1 fallback -gt 0 dma -gt $((NLONG / 2))" "DMA copies again"

# --- two ports, three lanes, a worker lcore; lane 1 unplugged ---
name=multi-lane
o0="$work/$name-0.pcap"
o1="$work/$name-1.pcap"
o2="$work/$name-2.pcap"
VDEVS="--vdev net_pcap0,rx_pcap=$in,tx_pcap=$o0
--vdev net_pcap1,rx_pcap=$in2,rx_pcap=$in,tx_pcap=$o1,tx_pcap=$o2"
LCORES=0-1
start_fwd "$name" "$in" --nb-queue 2 --exit-on-idle 300 \
	--sim-unplug 1:3000 --sim-fault 2:read-fail@1000
status=$?
unset VDEVS LCORES
out=$o0
if same "$in2" "$o1" && same "$in" "$o2"; then
	judge "$name" $status "$in" "rx -eq $((3 * N)) tx -eq $((3 * N))
		dropped -eq 0 lost -eq 1 retry -ge 1 fallback -gt 0"
else
	fail "$name" "$why"
fi

# Wait until the application forwards (at most 30 s).
wait_running() {
	i=0
	while ! grep -q '^Channel 0:' "$log" && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# --- signals: stop mid-run, everything received is sent ---
# The DMA engine is slowed down to 5 MB/s so that the run lasts.
BG=1
SIM_OPTS="--bandwidth 5M"
for sig in INT TERM; do
	name=sig$sig
	start_fwd "$name" "$in"
	wait_running
	sleep 1
	kill -s $sig "$pid"
	wait "$pid"
	status=$?
	rx=$(counter rx)
	judge "$name" $status "--prefix $in" "tx -eq ${rx:-0} dropped -eq 0
		tx -gt 0 tx -lt $N" "Signal"
done
unset BG SIM_OPTS

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
