#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Run one of Debian's dpdk-test autotests (dmadev_autotest by default) on
# the simulated PLX switch, unmodified, and check that it passes.
#
# Usage: test-sim-dpdk-test.sh [-b BUILD_DIR] [-d PMD.so] [-k KDRV]
#            [-n FUNCS] [-a PCI_ADDR]... [-t TEST] [-- LAUNCHER_OPTS...]
#   -b  meson build directory holding app/dpdk-plx-sim (default: build)
#   -d  driver plugin for EAL to load (-d), e.g. BUILD/drivers/librte_dma_plx.so
#   -k  vfio-pci (default) or uio_pci_generic (needs hugepages: reserved
#       for the run if we are root, else the test is skipped)
#   -n  simulated functions (default 1)
#   -a  function(s) DPDK may probe (default: all)
#   -t  dpdk-test test name (default dmadev_autotest)
#   LAUNCHER_OPTS go to dpdk-plx-sim (e.g. --bandwidth 10G -v)
# Exit status: 0 pass, 1 fail, 77 skipped.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
pmd=
kdrv=vfio-pci
funcs=1
allow=
test_name=dmadev_autotest
dpdk_test=${DPDK_TEST_BIN:-/usr/bin/dpdk-test}

usage() {
	sed -n '5,16s/^# \{0,1\}//p' "$0"
	exit 2
}

while getopts b:d:k:n:a:t:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	d) pmd=$OPTARG ;;
	k) kdrv=$OPTARG ;;
	n) funcs=$OPTARG ;;
	a) allow="$allow -a $OPTARG" ;;
	t) test_name=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

launcher=$build/app/dpdk-plx-sim
if [ ! -x "$launcher" ]; then
	echo "test-sim-dpdk-test: $launcher not built" >&2
	exit 1
fi
if [ ! -x "$dpdk_test" ]; then
	echo "SKIP $test_name: $dpdk_test not installed (package dpdk)"
	exit 77
fi

plugin=
if [ -n "$pmd" ]; then
	if [ ! -f "$pmd" ]; then
		echo "test-sim-dpdk-test: no plugin $pmd" >&2
		exit 1
	fi
	# EAL wants it by a path with no world-writable directory in it.
	pmd=$(cd "$(dirname "$pmd")" && pwd)/$(basename "$pmd")
	plugin="-d $pmd"
fi

. "$top/devtools/hugepages.sh"

prefix=plx_sim_dpdk_test_$$
case $kdrv in
vfio-pci)
	mem="--no-huge -m 512 --iova-mode=va --no-shconf"
	;;
uio_pci_generic)
	if ! hugepages_reserve 300; then
		echo "SKIP $test_name: cannot reserve 300 hugepages of 2 MiB" \
			"for uio (IOVA as PA; needs root)"
		exit 77
	fi
	mem="--in-memory -m 512"
	;;
*)
	echo "test-sim-dpdk-test: bad kernel driver $kdrv" >&2
	exit 2
	;;
esac

log=$(mktemp)
trap 'rm -f "$log"; hugepages_restore' EXIT INT TERM

cmd="$launcher -n $funcs -k $kdrv $* -- $dpdk_test $mem --file-prefix $prefix $allow $plugin"
echo "DPDK_TEST=$test_name $cmd"
set +e
# shellcheck disable=SC2086
DPDK_TEST=$test_name $cmd > "$log" 2>&1
status=$?
set -e

# dpdk-test rewrites its progress lines with CR: show the end of each.
tr '\r' '\n' < "$log" | grep -v '^Ops submitted' | grep -v '^[[:space:]]*$' |
	tail -n 40
if [ $status -eq 77 ] && grep -q '^Test Skipped' "$log"; then
	echo "SKIP $test_name: dpdk-test skipped it (see above)"
	exit 77
fi
# Each PLX instance must have run the error-handling tests, not skipped them.
plx_instances=$(grep -c '^### Test dmadev instance [0-9]* \[0000:' "$log")
plx_error_tests=$(awk '/^### Test dmadev instance/ { plx = /\[0000:/ }
	plx && /Running error[ _]handling Tests/ { n++ } END { print n + 0 }' "$log")
if [ -n "$pmd" ] && [ "$plx_error_tests" -ne "$plx_instances" ]; then
	echo "FAIL $test_name: error handling ran on $plx_error_tests of" \
		"$plx_instances PLX instances"
	exit 1
fi
if [ $status -eq 0 ] && grep -q '^Test OK' "$log"; then
	echo "PASS $test_name ($kdrv, $funcs function(s)${pmd:+, $(basename "$pmd") on $plx_instances PLX instance(s)})"
	exit 0
fi
echo "FAIL $test_name: exit status $status$(grep -q '^Test OK' "$log" ||
	echo ', no "Test OK"')"
exit 1
