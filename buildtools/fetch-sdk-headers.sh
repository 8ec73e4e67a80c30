#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Fetch the DPDK driver-SDK headers that Debian's libdpdk-dev leaves out,
# from the Debian source package of exactly the installed libdpdk-dev version.
#
# The system's apt sources are left untouched: a private apt configuration
# derives deb-src entries from them and keeps its own package lists.
#
# Usage: fetch-sdk-headers.sh [CACHE_DIR]   (prints the include directory)
set -eu

version=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null) || {
	echo "fetch-sdk-headers: libdpdk-dev is not installed" >&2
	exit 1
}
cache=${1:-${PLX_CACHE_DIR:-/var/cache/plx-dma}}
incdir=$cache/dpdk-sdk-$version/include
headers="lib/dmadev/rte_dmadev_pmd.h drivers/bus/pci/bus_pci_driver.h
	lib/eal/include/dev_driver.h lib/eal/include/bus_driver.h"

if [ -f "$incdir/.complete" ]; then
	echo "$incdir"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/parts"

# deb-src twins of every deb source the machine already uses.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed -e 's/^Types:.*/Types: deb-src/' "$f" > "$work/parts/$(basename "$f")"
done
if [ -f /etc/apt/sources.list ]; then
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
		> "$work/parts/main.list"
fi

apt_opts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$work/parts
	-o Dir::State::Lists=$work/lists -o Dir::Cache::Archives=$work/archives
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
	-o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get -q $apt_opts update >&2
# shellcheck disable=SC2086
(cd "$work" && apt-get -q $apt_opts source --download-only "dpdk=$version" >&2)

orig=$(find "$work" -maxdepth 1 -name 'dpdk_*.orig.tar.*' | head -n 1)
if [ -z "$orig" ]; then
	echo "fetch-sdk-headers: no source archive for dpdk $version" >&2
	exit 1
fi
mkdir -p "$work/src" "$incdir"
# The member patterns are for tar, not for the shell.
set -f
tar -C "$work/src" --strip-components=1 --wildcards -xf "$orig" \
	$(for h in $headers; do printf "*/%s " "$h"; done)
set +f
for h in $headers; do
	cp "$work/src/$h" "$incdir/"
done
touch "$incdir/.complete"
echo "$incdir"
