#!/bin/sh
# The simulated switch's two libraries keep their one direction: the host
# library (preloaded, its libc stand-ins interpose on every caller in the
# process) uses the model library, never the reverse. Checked on the built
# libraries: the model defines none of the libc names the host stands in
# for, needs no host library and calls no function of it.
#
# Usage: devtools/check-sim-libs.sh [BUILD-DIR]   (default: build)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-build} in
/*) build=$1 ;;
*) build=$top/${1:-build} ;;
esac
model=$build/app/libplx_sim_model.so
host=$build/app/libplx_sim_host.so
failed=0

for f in "$model" "$host"; do
	if [ ! -e "$f" ]; then
		echo "check-sim-libs: $f missing: build first" >&2
		exit 1
	fi
done

fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}

# The stand-ins: what the host library exports that is not its own API.
stand_ins=$(nm -D --defined-only "$host" | awk '$2 == "T" { print $3 }' |
	grep -v '^plx_sim_' | sort)
for name in open close mmap ioctl stat fopen; do
	if ! echo "$stand_ins" | grep -qx "$name"; then
		fail "the host library defines no $name stand-in"
	fi
done
model_defs=$(nm -D --defined-only "$model" | awk '{ print $3 }')
for name in $stand_ins; do
	if echo "$model_defs" | grep -qx "$name"; then
		fail "the model library defines $name, a stand-in's name"
	fi
done
if readelf -d "$model" | grep NEEDED | grep -q 'libplx_sim_host'; then
	fail "the model library needs the host library"
fi
host_api=$(nm -D --undefined-only "$model" | awk '{ print $2 }' |
	grep '^plx_sim_' || true)
if [ -n "$host_api" ]; then
	fail "the model library calls into the host:" \
		"$(echo "$host_api" | tr '\n' ' ')"
fi

echo "the host library's stand-ins:" \
	"$(echo "$stand_ins" | tr '\n' ' ')"
if [ "$failed" -eq 0 ]; then
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
	exit 1
fi
