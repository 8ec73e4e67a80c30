#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Run a command chrooted in a Debian root (devtools/root-make.sh), with
# /proc, /sys and /dev there only for the run. Everything is mounted in a
# mount namespace of its own, so nothing is ever mounted in the host's
# namespace, and the mounts vanish with the run even if it is killed
# outright; they are also unmounted on every exit (INT and TERM
# included), after the command and all it started are ended.
#
# - /proc: a proc file system of its own.
# - /sys: the host's, bound read-only (EAL reads the CPU topology there;
#   the simulated switch fakes the PCI part): nothing can write to it.
# - /dev: a small tmpfs with null, zero, full, random, urandom, tty, shm
#   and the fd links, not the host's /dev: nothing the run does reaches a
#   host device node other than those.
#
# Usage: root-run.sh [-b DIR:MOUNTPOINT]... ROOT COMMAND [ARGS...]
#   -b  bind DIR read-only at MOUNTPOINT in ROOT (e.g. the checkout)
# The command gets a clean environment (PATH, HOME, LANG; CI and PLX_*
# are passed on); its exit status is returned (130/143 if interrupted).
set -eu

say() { echo "root-run: $*" >&2; }

if [ -z "${PLX_ROOT_RUN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { say "needs root"; exit 1; }
	# In a chroot (a root inside a root), / is no mount point and cannot
	# be made private: the namespace then keeps the propagation it
	# inherits, and the root is made a private mount point below.
	prop=private
	unshare --mount --propagation private true 2>/dev/null ||
		prop=unchanged
	PLX_ROOT_RUN_NS=$prop exec unshare --mount --propagation "$prop" \
		sh "$0" "$@"
fi
prop=$PLX_ROOT_RUN_NS
unset PLX_ROOT_RUN_NS

binds=
while getopts b: opt; do
	case $opt in
	b) binds="$binds $OPTARG" ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
root=${1:?usage: root-run.sh [-b DIR:MOUNTPOINT]... ROOT COMMAND...}
shift
[ $# -gt 0 ] || { say "no command"; exit 2; }
[ -x "$root/bin/sh" ] || { say "$root is not a root"; exit 1; }
root=$(cd "$root" && pwd -P)

mounted=
child=

cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$child" ]; then
		kill -TERM -- "-$child" 2>/dev/null || true
		# Ten seconds to end, then whatever is left of the session goes.
		n=0
		while [ $n -lt 10 ] && kill -0 "$child" 2>/dev/null; do
			sleep 1
			n=$((n + 1))
		done
		kill -KILL -- "-$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	# And what left the session (meson test runs each test in its own).
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] &&
			kill -KILL "${p#/proc/}" 2>/dev/null || true
	done
	for m in $mounted; do
		umount "$m" 2>/dev/null || umount -l "$m" ||
			say "cannot unmount $m"
	done
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 129' HUP

# Newest first, for cleanup.
add_mount() { mounted="$1 $mounted"; }

if [ "$prop" != private ]; then
	mount --bind "$root" "$root"
	add_mount "$root"
	mount --make-rprivate "$root"
fi
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
add_mount "$root/proc"

mount --bind /sys "$root/sys"
add_mount "$root/sys"
mount -o remount,bind,ro,nosuid,nodev,noexec "$root/sys"

mount -t tmpfs -o nosuid,noexec,mode=755,size=64m plx-dev "$root/dev"
add_mount "$root/dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	name=${n%%:*}
	nums=${n#*:}
	# Without the right to make nodes, the host's own node is bound.
	if ! mknod -m 666 "$root/dev/$name" c "${nums%:*}" "${nums#*:}" \
			2>/dev/null; then
		: > "$root/dev/$name"
		mount --bind "/dev/$name" "$root/dev/$name"
		add_mount "$root/dev/$name"
	fi
done
mkdir -m 1777 "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

for b in $binds; do
	src=${b%%:*}
	dst=$root/${b#*:}
	mkdir -p "$dst"
	mount --bind "$src" "$dst"
	add_mount "$dst"
	mount -o remount,bind,ro "$dst"
done

passed_env=$(env | grep -E '^(CI|PLX_[A-Z0-9_]*)=' || true)
# A session of its own, so that an interrupt ends everything the command
# started (the shell's stdin passed on explicitly: an asynchronous
# command would get /dev/null).
exec 3<&0
# shellcheck disable=SC2046
setsid chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" $(echo "$passed_env") \
	"$@" <&3 &
child=$!
status=0
wait "$child" || status=$?
child=
exit "$status"
