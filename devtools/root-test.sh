#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# The plx-dma suite on the DPDK of the system it runs on, for a Debian
# root (devtools/test-roots.sh runs it there with the checkout read-only):
# build with gcc and with clang (warnings are errors) into build
# directories outside the checkout; with the gcc build, meson test's
# suites fast (model, functional and unplug tests), dpdk (this system's
# dpdk-test dmadev_autotest on the 4 simulated channels, and
# dpdk-test-dma-perf) and fuzz-short (the fuzzer, 200,000 steps) if the
# tree has it; then meson install into
# this system's DPDK, dpdk-test-dma-perf again with no -d (EAL finds the
# PMD by itself), and meson uninstall. Ends with "N passed, N failed".
#
# Usage: root-test.sh [-s SDK_INCLUDE_DIR] [-w WORK_DIR]
#   -s  the driver-SDK headers (meson -Dsdk_include_dir=); default: those
#       of libdpdk, or buildtools/fetch-sdk-headers.sh's
#   -w  where the build directories go (default /root/plx-build)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
sdk=
work=/root/plx-build
while getopts s:w:h opt; do
	case $opt in
	s) sdk=$OPTARG ;;
	w) work=$OPTARG ;;
	*) sed -n '5,18s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

mkdir -p "$work" && cd "$work" || exit 1
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
filter=
. "$top/devtools/test-lib.sh"

echo "DPDK $(pkg-config --modversion libdpdk), $(gcc --version | head -n 1)," \
	"$(clang --version | head -n 1), meson $(meson --version)"

build() { # dir compiler
	if [ ! -f "$1/build.ninja" ]; then
		rm -rf "$1"
		CC=$2 meson setup "$1" "$top" --werror \
			-Dsdk_include_dir="$sdk" || return 1
	fi
	ninja -C "$1"
}

# What meson install put into this system's DPDK, gone again.
uninstall() { # dir
	[ -f "$1/meson-logs/install-log.txt" ] || return 0
	ninja -C "$1" uninstall && rm -f "$1/meson-logs/install-log.txt"
}

# A PMD left installed by an interrupted run would load twice with -d.
uninstall gcc > /dev/null 2>&1

run gcc/build build gcc gcc
run clang/build build clang clang
if [ -f gcc/build.ninja ]; then
	suites="--suite fast --suite dpdk"
	# The fuzzer's shorter run: the million steps run on the host.
	if [ -n "$(meson test -C gcc --no-rebuild --list --suite fuzz-short \
			2>/dev/null)" ]; then
		suites="$suites --suite fuzz-short"
	fi
	# shellcheck disable=SC2086
	run_meson gcc $suites
	run gcc/install ninja -C gcc install
	run gcc/dma-perf-installed "$top/devtools/test-dma-perf.sh" -b gcc
	run gcc/uninstall uninstall gcc
fi

echo "${passed} passed, ${failed} failed$([ "$skipped" -ne 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
