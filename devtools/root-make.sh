#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Make (when missing) a Debian root of another release with what building
# and testing plx-dma there needs, and print its path. Roots are cached
# outside the checkout, one per suite; a root is built in a temporary
# directory beside its final place and renamed into place only once
# complete, so a half-made one is never used. The package list is stamped
# in the root: a changed list is installed into it on the next call.
#
# Usage: root-make.sh SUITE   (trixie, forky)
#   PLX_ROOTS_DIR       cache (default /var/cache/plx-dma/roots)
#   PLX_DEBIAN_MIRROR   archive (default: the host's first deb source)
# Needs root and the archive; installs debootstrap on the host if missing.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:?usage: root-make.sh SUITE}
cache=${PLX_ROOTS_DIR:-/var/cache/plx-dma/roots}
root=$cache/$suite

# The build (both compilers), the tests in the root, DPDK's own test
# programs and examples (dpdk-doc: examples/dma), and xz-utils for
# fetch-sdk-headers.sh's source-package route.
pkgs="libdpdk-dev dpdk-dev dpdk dpdk-doc meson ninja-build pkg-config gcc
	clang libc6-dev libpcap-dev python3 python3-pyelftools xz-utils"
stamp=.plx-dma-packages

say() { echo "root-make: $*" >&2; }

[ "$(id -u)" = 0 ] || { say "needs root"; exit 1; }

# The archive the host itself uses, not the security one.
mirror() {
	if [ -n "${PLX_DEBIAN_MIRROR:-}" ]; then
		echo "$PLX_DEBIAN_MIRROR"
		return
	fi
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
			sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
			2>/dev/null | sed -n \
			's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p'
	} | grep -E '^(https?|file):' | grep -v security | head -n 1
}

# forky is tested as sid's script; its Release file may be past
# Valid-Until on a snapshot archive.
case $suite in
forky)
	script=/usr/share/debootstrap/scripts/sid
	apt_opts="-o Acquire::Check-Valid-Until=false"
	;;
*)
	script=
	apt_opts=
	;;
esac

in_root() { # dir command...
	d=$1
	shift
	"$top/devtools/root-run.sh" "$d" env DEBIAN_FRONTEND=noninteractive \
		LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

install_pkgs() { # dir
	# shellcheck disable=SC2086
	in_root "$1" apt-get $apt_opts -q update >&2 &&
	# shellcheck disable=SC2086
	in_root "$1" apt-get $apt_opts -q -y --no-install-recommends \
		install $pkgs >&2 &&
	in_root "$1" apt-get clean >&2 &&
	echo $pkgs > "$1/$stamp"
}

mkdir -p "$cache"
exec 9> "$cache/$suite.lock"
flock 9

if [ -d "$root" ]; then
	if [ "$(cat "$root/$stamp" 2>/dev/null)" != "$(echo $pkgs)" ]; then
		say "$suite: package list changed: installing"
		install_pkgs "$root" || { say "$suite: install failed"; exit 1; }
	fi
	echo "$root"
	exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
	say "installing debootstrap on the host"
	DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
		install debootstrap >&2 ||
	{ apt-get -q update >&2 &&
	  DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		--no-install-recommends install debootstrap >&2; } ||
	{ say "cannot install debootstrap"; exit 1; }
fi
url=$(mirror)
[ -n "$url" ] || { say "no Debian archive in the host's apt sources"; exit 1; }

# Left-overs of an interrupted attempt (the lock says none is running).
rm -rf "$cache/.new-$suite".*
tmp=$(mktemp -d "$cache/.new-$suite.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 755 "$tmp"
say "$suite: debootstrap from $url into $tmp"
start=$(date +%s)
# In a mount namespace of its own: the /proc and /sys debootstrap mounts
# in the target go with it, however it ends (in a chroot, where / cannot
# be made private, with the propagation it inherits).
prop=private
unshare --mount --propagation private true 2>/dev/null || prop=unchanged
# shellcheck disable=SC2086
if ! unshare --mount --propagation $prop debootstrap --variant=minbase \
		"$suite" "$tmp" "$url" $script > "$tmp.log" 2>&1; then
	tail -n 20 "$tmp.log" >&2
	say "$suite: debootstrap failed (archive $url reachable?)"
	rm -f "$tmp.log"
	exit 1
fi
rm -f "$tmp.log"
say "$suite: installing$(echo " $pkgs" | tr -s ' \t\n' ' ')"
install_pkgs "$tmp" || { say "$suite: install failed"; exit 1; }
mv "$tmp" "$root"
trap - EXIT
say "$suite: made in $(( $(date +%s) - start )) s"
echo "$root"
