#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# Reserve 2 MiB hugepages for the runs that need them (uio means IOVA as
# PA, and that means hugepages), and give them back afterwards.
#
# Sourced:   . devtools/hugepages.sh; hugepages_reserve 300 || skip...;
#            ...; hugepages_restore
# Run:       devtools/hugepages.sh N     (reserve N free pages, as root)
#            devtools/hugepages.sh N CMD [ARGS...]
#                (run CMD with N free pages if they can be had, as root;
#                given back when it ends; CMD's exit status)

hugepages_dir=/sys/kernel/mm/hugepages/hugepages-2048kB
hugepages_saved=

# Make at least $1 pages free; 1 if that cannot be done (not root, no
# memory), with nothing changed.
hugepages_reserve() {
	want=$1
	free=$(cat "$hugepages_dir/free_hugepages" 2>/dev/null || echo 0)
	[ "$free" -ge "$want" ] && return 0
	nr=$(cat "$hugepages_dir/nr_hugepages" 2>/dev/null) || return 1
	if echo $((nr + want - free)) > "$hugepages_dir/nr_hugepages" \
			2>/dev/null &&
			[ "$(cat "$hugepages_dir/free_hugepages")" -ge "$want" ]; then
		hugepages_saved=${hugepages_saved:-$nr}
		return 0
	fi
	echo "$nr" > "$hugepages_dir/nr_hugepages" 2>/dev/null || true
	return 1
}

hugepages_restore() {
	if [ -n "$hugepages_saved" ]; then
		echo "$hugepages_saved" > "$hugepages_dir/nr_hugepages" || true
		hugepages_saved=
	fi
}

case "$0" in
*hugepages.sh)
	pages=${1:?usage: hugepages.sh PAGES [CMD [ARGS...]]}
	shift
	if [ $# -eq 0 ]; then
		hugepages_reserve "$pages" ||
			{ echo "cannot reserve $pages hugepages" >&2; exit 1; }
		exit 0
	fi
	# Without them, CMD runs all the same: it skips what needs them.
	hugepages_reserve "$pages" ||
		echo "note: cannot reserve $pages hugepages (not root?)" >&2
	trap 'hugepages_restore; exit 143' TERM
	trap 'hugepages_restore; exit 130' INT
	"$@"
	status=$?
	hugepages_restore
	exit $status
	;;
esac
