#!/bin/sh
# Run every plx-dma test: set-up and build first (devtools/setup.sh), then
# each test program on the simulated switch, in the plain build and under
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan). Ends with
# "N passed, N failed", counting the test cases each program reports.
#
# Usage: devtools/run-tests.sh [NAME-FILTER]
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
filter=${1:-}

if ! "$top/devtools/setup.sh" --asan; then
	echo "setup failed"
	echo "0 passed, 1 failed"
	exit 1
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"; hugepages_restore 2>/dev/null' EXIT INT TERM
passed=0
failed=0
skipped=0

# Count a program's own "N passed, N failed[, N skipped]" line; a program
# that ends without one counts as one test, by its exit status.
tally() { # name status log
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$3" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
		s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
		[ "$2" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	elif [ "$2" -eq 0 ]; then
		p=1 f=0 s=""
	else
		p=0 f=1 s=""
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $1 (exit $2): $p passed, $f failed"
		grep -E '^(FAIL|SKIP) ' "$3" | sed 's/^/    /'
		sed 's/^/    /' "$3" | tail -n 30
	else
		echo "ok   $1: $p passed${s:+, $s skipped}"
	fi
}

run() { # name command...
	name=$1
	shift
	case "$name" in *"$filter"*) ;; *) return 0 ;; esac
	log="$logs/$(echo "$name" | tr / _).log"
	start=$(date +%s)
	"$@" > "$log" 2>&1 < /dev/null
	status=$?
	tally "$name" "$status" "$log"
	echo "     ($(( $(date +%s) - start )) s)"
}

# EAL arguments for one private DPDK instance on the simulated switch.
eal() { # tag
	echo "--no-huge -m 512 --iova-mode=va --no-shconf --file-prefix plx-$1-$$"
}

for b in build build-asan; do
	pmd=$("$top/devtools/pmd-path.sh" "$top/$b")
	sim="$top/$b/app/dpdk-plx-sim"
	run "$b/model" "$b/app/test/test_plx_sim_model"
	# shellcheck disable=SC2046
	run "$b/sim-bus-vfio" "$sim" -n 4 -- "$b/app/test/test_plx_sim_bus" \
		$(eal bus)
	# shellcheck disable=SC2046
	run "$b/sim-bus-vfio-1func" "$sim" -n 1 -- \
		"$b/app/test/test_plx_sim_bus" $(eal bus1)
	# shellcheck disable=SC2046
	run "$b/dma-plx" "$sim" -n 4 -- "$b/app/test/test_dma_plx" \
		$(eal fn) --lcores '(0-4)@(0-1)' -d "$pmd"
	# shellcheck disable=SC2046
	run "$b/dma-plx-unplug" "$sim" -n 4 -- \
		"$b/app/test/test_dma_plx_unplug" $(eal unplug) \
		--lcores '(0-4)@(0-1)' -d "$pmd"
	# Removal racing each control call (40 cases x 50 cycles, ~15 s).
	# shellcheck disable=SC2046
	run "$b/dma-plx-race" "$sim" -n 4 -- \
		"$b/app/test/test_dma_plx_race" $(eal race) \
		--lcores '(0-4)@(0-1)' -d "$pmd"
	# dpdk-plx-fwd: pcap files through the forwarding application.
	run "$b/fwd" "$top/devtools/test-fwd.sh" "$b"
done

# Hugepage-backed runs: vfio with hugepages, and uio (IOVA as PA), which
# skip themselves when the pages cannot be had.
. "$top/devtools/hugepages.sh"
hugepages_reserve 400 || echo "note: cannot reserve hugepages (not root?)"
b=build
for k in vfio-pci uio_pci_generic; do
	run "$b/sim-bus-$k-hugepages" "$b/app/dpdk-plx-sim" -k "$k" -n 2 -- \
		"$b/app/test/test_plx_sim_bus" --in-memory -m 16 \
		--file-prefix "plx-bus-$k-$$"
done
pmd=$("$top/devtools/pmd-path.sh" "$top/$b")
run "$b/dma-plx-uio" "$b/app/dpdk-plx-sim" -k uio_pci_generic -n 4 -- \
	"$b/app/test/test_dma_plx" --in-memory -m 256 --file-prefix \
	"plx-uio-$$" -d "$pmd" \
	-- --filter copy
hugepages_restore

# The benchmark runs and its figures are sane (not a timed test).
# shellcheck disable=SC2046
run "build/perf-sanity" "$top/build/app/dpdk-plx-sim" -n 2 -- \
	"$top/build/app/dpdk-test-plx-perf" $(eal perf) \
	--lcores '0@0,(1-2)@(0-1)' \
	-d "$pmd" -- --check \
	-w size,batch,channels -s 64,4096 -b 1,64 -c 2 -n 20000 -m 1M -l 50

# DPDK's own conformance suite on every simulated function.
run "dmadev_autotest" "$top/devtools/test-sim-dpdk-test.sh" -n 4 \
	-d "$pmd"

echo "${passed} passed, ${failed} failed$([ "$skipped" -ne 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
