#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Run every plx-dma test: set-up and build first (devtools/setup.sh), then
# `meson test` in the plain build (every test) and in build-asan (the
# sanitizers view of the same tests: AddressSanitizer +
# UndefinedBehaviorSanitizer), then, if there is one, the other
# platforms' run (devtools/test-roots.sh: Debian trixie and forky roots).
# One "ok" or "FAIL" line per test program, the failing cases' output
# after it; a summary line per platform; ends with "N passed, N failed",
# counting the test cases each program reports, all platforms together.
#
# Usage: devtools/run-tests.sh [--local-only] [NAME-FILTER]
#   --local-only  not the other platforms (also PLX_TEST_LOCAL_ONLY=1)
#   NAME-FILTER   only tests whose name (e.g. build-asan/dma-plx) has it
#
# A developer's quick check: meson test -C build --suite fast
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
filter=
local_only=${PLX_TEST_LOCAL_ONLY:-0}
for arg; do
	case "$arg" in
	--local-only) local_only=1 ;;
	-h|--help) sed -n '5,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) filter=$arg ;;
	esac
done

if ! "$top/devtools/setup.sh" --asan; then
	echo "setup failed"
	echo "0 passed, 1 failed"
	exit 1
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT INT TERM
. "$top/devtools/test-lib.sh"

run_meson build
run_meson build-asan --suite sanitizers

# The suite on the other platforms (Debian roots with other DPDKs), if
# this checkout has a script for it: its "platform ..." lines are the
# per-platform summary, its "N passed, N failed" line is counted here.
host="platform $(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-host}")"
host="$host (DPDK $(pkg-config --modversion libdpdk 2>/dev/null), this machine)"
host="$host: ${passed} passed, ${failed} failed"
[ "$skipped" -ne 0 ] && host="$host, $skipped skipped"
if [ "$local_only" != 1 ] && [ -x "$top/devtools/test-roots.sh" ]; then
	run roots "$top/devtools/test-roots.sh"
	echo "$host"
	grep -as '^platform ' "$logs/roots.log"
fi

echo "${passed} passed, ${failed} failed$([ "$skipped" -ne 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
