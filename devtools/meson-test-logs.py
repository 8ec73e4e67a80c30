#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
"""Split a `meson test` JSON log into one output file per test.

Usage: meson-test-logs.py TESTLOG.json OUTDIR NAME...

For each NAME (a test meson was asked to run, in that order) it writes
OUTDIR/NAME.log, the test's output, and prints one line
"NAME<TAB>STATUS<TAB>SECONDS<TAB>LOG": STATUS is the exit status (77: the
test skipped itself, 124: meson timed it out, 128 + N: killed by signal N,
1: no result at all). devtools/run-tests.sh counts the cases from there.
"""

import json
import os
import sys


def status_of(result):
    """The exit status run-tests.sh judges a test by."""
    res = result.get("result")
    rc = result.get("returncode")
    if res == "TIMEOUT":
        return 124
    if res == "SKIP":
        return 77
    if rc is None:
        return 0 if res == "OK" else 1
    if rc < 0:
        return 128 - rc
    if rc == 0 and res != "OK":
        return 1
    return rc


def test_name(full):
    """A test's own name: meson 1.0 writes "project:suite+suite / name",
    newer ones (1.7, 1.12) "suite+suite - project:name"."""
    if " / " in full:
        return full.split(" / ", 1)[1]
    return full.split(" - ", 1)[-1].split(":", 1)[-1]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, outdir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    results = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                results[test_name(r["name"])] = r
    except OSError as e:
        print(f"meson-test-logs: {e}", file=sys.stderr)
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        log = os.path.join(outdir, name.replace("/", "_") + ".log")
        r = results.get(name)
        with open(log, "w", encoding="utf-8") as f:
            if r is None:
                f.write(f"no result from meson test for {name}\n")
            else:
                f.write(r.get("stdout") or "")
                f.write(r.get("stderr") or "")
                if r.get("result") == "TIMEOUT":
                    f.write(f"meson test: timed out after "
                            f"{r.get('duration', 0):.0f} s\n")
        status = 1 if r is None else status_of(r)
        secs = 0 if r is None else round(r.get("duration") or 0)
        print(f"{name}\t{status}\t{secs}\t{log}")


if __name__ == "__main__":
    main()
