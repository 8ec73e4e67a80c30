#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Print a path of a build's dma_plx PMD that EAL's -d accepts.
#
# EAL refuses a plugin with a world-writable directory anywhere in its real
# path (a checkout under /tmp, say). Then the PMD is copied to a private
# cache directory, one per build directory, and that copy is printed.
#
# Usage: devtools/pmd-path.sh BUILD_DIR
set -eu

build=$(cd "${1:?usage: pmd-path.sh BUILD_DIR}" && pwd -P)
pmd=$build/drivers/dma/plx/librte_dma_plx.so
[ -f "$pmd" ] || { echo "pmd-path: $pmd not built" >&2; exit 1; }

insecure() { # dir
	d=$1
	while :; do
		[ -n "$(find "$d" -maxdepth 0 -perm -0002)" ] && return 0
		[ "$d" = / ] && return 1
		d=$(dirname "$d")
	done
}

if ! insecure "$(dirname "$pmd")"; then
	echo "$pmd"
	exit 0
fi
cache=${PLX_CACHE_DIR:-/var/cache/plx-dma}
[ -w "$(dirname "$cache")" ] || [ -w "$cache" ] ||
	cache=${HOME:?}/.cache/plx-dma
dir=$cache/pmd/$(echo "$build" | cksum | cut -d' ' -f1)
mkdir -p "$dir"
chmod 755 "$cache" "$cache/pmd" "$dir"
if insecure "$dir"; then
	echo "pmd-path: no directory EAL accepts for $pmd (tried $dir)" >&2
	exit 1
fi
cp "$pmd" "$dir/librte_dma_plx.so.tmp"
mv "$dir/librte_dma_plx.so.tmp" "$dir/librte_dma_plx.so"
echo "$dir/librte_dma_plx.so"
