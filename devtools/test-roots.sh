#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# The plx-dma suite on other Debian releases' own DPDK: a trixie root
# (DPDK 24.11) and a forky root (DPDK 25.11), made when missing and
# cached by devtools/root-make.sh, entered by devtools/root-run.sh with
# the checkout read-only at /src and the driver-SDK headers of the
# root's DPDK series at /sdk, where devtools/root-test.sh builds and
# tests. devtools/run-tests.sh calls it after the tests of this machine.
#
# Prints each root's results, one line "platform SUITE (DPDK VERSION): N
# passed, N failed" per root, and ends with their sum. A root that
# cannot be made or run fails, when CI is set or when run as root (as CI
# is); otherwise (not root) it is skipped, with the reason.
#
# Usage: test-roots.sh [SUITE...]   (default: $PLX_ROOTS, or trixie forky)
#   PLX_SDK_DIR  directory of SDK headers per series (24.11/, 25.11/);
#                default ../shared/dpdk-sdk beside the checkout, or
#                /work/shared/dpdk-sdk; none: buildtools/fetch-sdk-headers.sh
#                in the root (Debian's source package of its DPDK)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- ${PLX_ROOTS:-trixie forky}
logs=$(mktemp -d)
child=
trap 'rm -rf "$logs"' EXIT
# Passed on to the run in progress, which unmounts what it mounted.
trap '[ -z "$child" ] || { kill -TERM "$child"; wait "$child"; }; exit 130' INT
trap '[ -z "$child" ] || { kill -TERM "$child"; wait "$child"; }; exit 143' TERM
filter=
. "$top/devtools/test-lib.sh"

must_run() {
	[ -n "${CI:-}" ] && [ "${CI:-}" != false ] && return 0
	[ "$(id -u)" = 0 ]
}

# The platform cannot run: a failure where it must, else a skip.
cannot() { # suite reason
	if must_run; then
		echo "FAIL $1: $2"
		echo "platform $1: 0 passed, 1 failed ($2)"
		failed=$((failed + 1))
	else
		echo "SKIP $1: $2"
		echo "platform $1: 0 passed, 0 failed, 1 skipped ($2)"
		skipped=$((skipped + 1))
	fi
}

sdk_for() { # series
	for d in ${PLX_SDK_DIR:-"$top/../shared/dpdk-sdk" /work/shared/dpdk-sdk}; do
		if [ -f "$d/$1/rte_dmadev_pmd.h" ]; then
			(cd "$d/$1" && pwd -P)
			return
		fi
	done
}

# A command in the background, so that INT and TERM reach the trap above
# at once.
waited() { # command...
	"$@" &
	child=$!
	status=0
	wait "$child" || status=$?
	child=
	return "$status"
}

for suite; do
	if [ "$(id -u)" != 0 ]; then
		cannot "$suite" "not root (debootstrap, chroot and mounts need it)"
		continue
	fi
	start=$(date +%s)
	if ! waited "$top/devtools/root-make.sh" "$suite" \
			> "$logs/$suite.root" 2> "$logs/$suite-make.log"; then
		tail -n 20 "$logs/$suite-make.log"
		cannot "$suite" "cannot make the root (no network or archive?)"
		continue
	fi
	root=$(cat "$logs/$suite.root")
	version=$(sed -n 's/^Version: *//p' "$root"/usr/lib/*/pkgconfig/libdpdk.pc |
		head -n 1)
	sdk=$(sdk_for "${version%.*}")
	echo "== $suite: DPDK $version, SDK headers from ${sdk:-its source package}"
	waited "$top/devtools/root-run.sh" -b "$top:/src" ${sdk:+-b "$sdk:/sdk"} \
		"$root" /src/devtools/root-test.sh ${sdk:+-s /sdk} \
		> "$logs/$suite.log" 2>&1 < /dev/null
	status=$?
	sed -E "s#^(ok   |FAIL |SKIP )#\\1$suite/#" "$logs/$suite.log"
	tally "$suite" "$status" "$logs/$suite.log" > /dev/null
	echo "platform $suite (DPDK $version): $p passed, $f failed${s:+, $s skipped}" \
		"($(( $(date +%s) - start )) s)"
done

echo "${passed} passed, ${failed} failed$([ "$skipped" -ne 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
