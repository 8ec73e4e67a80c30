# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
"""Sphinx configuration of the plx-dma guides.

Besides Sphinx's own checks (run with -n -W: every reference must
resolve), two of the tree's own:
- a file path of the tree quoted in a guide (``drivers/dma/plx/...``) must
  exist;
- a :ref:`label` written in a source file, script or meson file (code
  cites the guides that way, e.g. :ref:`plx_hw_stop`) must name a label
  of the guides.
"""

import os
import re

from docutils import nodes
from sphinx.util import logging

project = "plx-dma"
author = "The plx-dma authors"
copyright = "2026, " + author
release = version = os.environ.get("PLX_DMA_VERSION", "")
root_doc = master_doc = "index"
highlight_language = "none"
nitpicky = True
numfig = True
html_show_sourcelink = False
html_copy_source = False
html_static_path = ["_static"]
html_css_files = ["plx.css"]

try:
    import sphinx_rtd_theme  # noqa: F401 (Debian: python3-sphinx-rtd-theme)
    html_theme = "sphinx_rtd_theme"
except ImportError:
    pass  # Sphinx's default theme

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Top-level entries of the tree that guides quote and code cites from.
TREE_DIRS = ("app", "buildtools", "config", "devtools", "doc", "drivers",
             ".ci")
TREE_FILES = ("README.md", "meson.build", "meson_options.txt")
PATH_RE = re.compile(r"^(?:%s)/[\w./+-]*$"
                     % "|".join(re.escape(d) for d in TREE_DIRS))
REF_RE = re.compile(r":ref:`([\w-]+)`")

log = logging.getLogger(__name__)


def check_paths(app, doctree):
    """Warn about quoted tree paths that do not exist."""
    for node in doctree.traverse(
            lambda n: isinstance(n, (nodes.literal, nodes.literal_block))):
        for word in node.astext().split():
            path = word.rstrip(".,;:)")
            if PATH_RE.match(path) and not os.path.exists(
                    os.path.join(TOP, path)):
                log.warning("no such file in the tree: %s", path,
                            location=node)


def tree_files():
    """The tree's text files outside the guides, build trees skipped."""
    for name in TREE_FILES:
        yield os.path.join(TOP, name)
    for top in TREE_DIRS:
        for root, dirs, files in os.walk(os.path.join(TOP, top)):
            dirs[:] = [d for d in dirs if d != "guides"]
            for f in files:
                if not f.endswith((".png", ".csv", ".pyc")):
                    yield os.path.join(root, f)


def check_citations(app, env):
    """Warn about :ref: citations in the tree that name no label."""
    labels = env.domaindata["std"]["labels"]
    read = []
    for path in tree_files():
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (FileNotFoundError, UnicodeDecodeError):
            continue
        read.append(path)
        for n, line in enumerate(text.splitlines(), 1):
            for label in REF_RE.findall(line):
                if label.lower() not in labels:
                    log.warning("%s:%d: cites :ref:`%s`, which no guide "
                                "defines", os.path.relpath(path, TOP), n,
                                label)
    # The build's depfile names them (buildtools/call-sphinx-build.py).
    os.makedirs(app.doctreedir, exist_ok=True)
    with open(os.path.join(app.doctreedir, "tree-files.txt"), "w") as f:
        f.write("".join(p + "\n" for p in read))


def setup(app):
    app.connect("doctree-read", check_paths)
    app.connect("env-check-consistency", check_citations)
    return {"parallel_read_safe": True}
