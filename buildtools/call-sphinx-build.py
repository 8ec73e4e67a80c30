#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
"""Build the guides as HTML with sphinx-build, for meson.

Writes OUTDIR/html and a depfile, OUTDIR/html.d, naming every file the
build read: the guides' sources, and the tree's files whose references
into the guides conf.py checked (it lists them in the doctree directory).

Usage: call-sphinx-build.py SPHINX_BUILD VERSION SRCDIR OUTDIR [ARG...]
"""

import os
import shutil
import subprocess
import sys


def sources(srcdir, doctrees):
    """Every file under srcdir, then those conf.py says it read."""
    out = []
    for root, dirs, files in os.walk(srcdir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out.extend(os.path.join(root, f) for f in files)
    try:
        with open(os.path.join(doctrees, "tree-files.txt")) as f:
            out.extend(line.rstrip("\n") for line in f)
    except FileNotFoundError:
        pass
    return sorted(set(out))


def main():
    sphinx, version, srcdir, outdir, *args = sys.argv[1:]
    html = os.path.join(outdir, "html")
    doctrees = os.path.join(outdir, "doctrees")
    env = dict(os.environ, PLX_DMA_VERSION=version)
    # From scratch every time (-E -a, no old output), so that no warning of
    # an unchanged page is skipped and no removed page stays behind.
    shutil.rmtree(html, ignore_errors=True)
    cmd = [sphinx, "-q", "-E", "-a", "-b", "html", "-d", doctrees, *args,
           srcdir, html]
    ret = subprocess.run(cmd, env=env, check=False).returncode
    deps = " ".join(p.replace(" ", "\\ ") for p in sources(srcdir, doctrees))
    with open(os.path.join(outdir, "html.d"), "w") as f:
        f.write("html: " + deps + "\n")
    return ret


if __name__ == "__main__":
    sys.exit(main())
