#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Install what plx-dma needs from Debian's archive, fetch the DPDK driver-SDK
# headers and build into build/, the HTML guides included (and build-asan/
# with --asan). Quick when everything is already there.
#
# Usage: devtools/setup.sh [--asan]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# What each package is for is listed in README.md.
pkgs="dpdk dpdk-dev dpdk-doc libdpdk-dev meson ninja-build pkg-config libpcap-dev
	gcc clang libc6-dev python3 python3-pyelftools xz-utils dpkg-dev
	ca-certificates gnuplot-nox valgrind python3-sphinx
	python3-sphinx-rtd-theme"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing packages:$missing (run as root)" >&2
		exit 1
	fi
	echo "setup: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >&2
fi

sdk=""
if ! pkg-config --cflags libdpdk >/dev/null 2>&1; then
	echo "setup: libdpdk not found by pkg-config" >&2
	exit 1
fi
if ! echo '#include <rte_dmadev_pmd.h>' |
		cc -E $(pkg-config --cflags libdpdk) - >/dev/null 2>&1; then
	sdk=$("$top/buildtools/fetch-sdk-headers.sh")
fi

# Whether build-dir has every -Dname=value given already.
configured() { # build-dir [meson options...]
	opts="$1/meson-info/intro-buildoptions.json"
	shift
	for o; do
		name=${o#-D}
		value=${name#*=}
		name=${name%%=*}
		grep -Eq "\"name\": *\"$name\", *\"value\": *\"?$value\"?[,}]" \
			"$opts" 2>/dev/null || return 1
	done
}

configure() { # build-dir [meson options...]
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Dsdk_include_dir="$sdk" "$@" >&2
	elif ! configured "$dir" "$@"; then
		meson setup --reconfigure "$dir" "$@" >&2
	fi
	ninja -C "$dir" >&2
}

configure build -Denable_docs=true
if [ "${1:-}" = "--asan" ]; then
	configure build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
