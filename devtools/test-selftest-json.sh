#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# The self-test's report as a user gets it: on a switch with two mutant
# clauses (two variants at once), without --expect, the exit status is 1,
# the table names both differences and what they mean, and the JSON file
# holds the device's identity, the DPDK version and the same results.
#
# Usage: devtools/test-selftest-json.sh [BUILD-DIR]   (default: build)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-build} in
/*) build=$1 ;;
*) build=$top/${1:-build} ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/plx-selftest-json.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
json=$tmp/report.json

status=0
"$build/app/dpdk-plx-sim" -n 2 --variant no-last-regs --variant bar0-8k -- \
	"$build/app/dpdk-plx-selftest" --no-huge -m 512 --iova-mode=va \
	--no-shconf --file-prefix "plx-selftest-json-$$" -- \
	--json "$json" > "$tmp/out" 2> "$tmp/err" || status=$?
cat "$tmp/out"
failed=0
fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}
[ "$status" -eq 1 ] || fail "exit status $status, expected 1 (differs)"
grep -q "^  last-regs  *DIFFERS" "$tmp/out" || fail "no last-regs DIFFERS line"
grep -q "^  bar0-size  *DIFFERS" "$tmp/out" || fail "no bar0-size DIFFERS line"
grep -q "^  last-regs (plx_hw_registers): " "$tmp/out" ||
	fail "no meaning for last-regs"
grep -q "^  max-txfr  *PASS" "$tmp/out" || fail "no max-txfr PASS line"
[ "$(grep -c "registers restored as found" "$tmp/out")" -eq 2 ] ||
	fail "registers not restored on both functions"
python3 - "$json" <<'PY' || fail "JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["tool"] == "dpdk-plx-selftest", r["tool"]
assert r["dpdk_version"].startswith("DPDK "), r["dpdk_version"]
assert r["result"] == "DIFFERS", r["result"]
fns = r["functions"]
assert [f["pci"] for f in fns] == ["0000:03:00.1", "0000:03:00.2"], fns
for f in fns:
    assert (f["vendor_id"], f["device_id"]) == ("0x10b5", "0x87d0"), f
    assert f["class"] == "0x088000" and f["revision"].startswith("0x"), f
    assert f["bar0_len"] == 8192 and f["kernel_driver"] == "vfio-pci", f
    assert f["registers_restored"] is True, f
    res = {c["clause"]: c["result"] for c in f["checks"]}
    differs = sorted(k for k, v in res.items() if v != "PASS")
    assert differs == ["bar0-size", "last-regs"], res
    for c in f["checks"]:
        assert c["assumed"] and c["label"].startswith("plx_hw_"), c
        assert ("meaning" in c) == (c["result"] == "DIFFERS"), c
        assert c.get("seen") or c.get("why"), c
print("JSON report: %d function(s), %d clauses each" %
      (len(fns), len(fns[0]["checks"])))
PY
if [ "$failed" -ne 0 ]; then
	cat "$tmp/err" >&2
	exit 1
fi
echo "PASS selftest report"
