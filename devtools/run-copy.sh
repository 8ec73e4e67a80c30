#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
#
# The main job: DMA copies through the dma_plx PMD, verified byte by byte.
# Uses PEX 87xx DMA functions bound to vfio-pci when the machine has them,
# otherwise a simulated switch with four DMA functions.
#
# Usage: devtools/run-copy.sh [dpdk-plx-copy options, e.g. -s 4096 -n 100000
#        --unplug 0000:03:00.2@5000]
# Environment: PLX_EAL_ARGS adds EAL options; PLX_SIM=1 forces the simulator.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
"$top/devtools/setup.sh"
pmd=$("$top/devtools/pmd-path.sh" "$top/build")
copy="$top/build/app/dpdk-plx-copy"

# PCI functions of real PEX 87xx DMA engines bound to vfio-pci.
hw=""
for d in /sys/bus/pci/devices/*; do
	[ -f "$d/vendor" ] || continue
	[ "$(cat "$d/vendor")" = 0x10b5 ] || continue
	[ "$(cat "$d/device")" = 0x87d0 ] || continue
	[ "$(basename "$(readlink "$d/driver" 2>/dev/null || echo none)")" = \
		vfio-pci ] || continue
	hw="$hw -a $(basename "$d")"
done

run_dir=$(mktemp -d)
trap 'rm -rf "$run_dir"' EXIT INT TERM
export RUNTIME_DIRECTORY="$run_dir"
if [ -n "$hw" ] && [ "${PLX_SIM:-0}" != 1 ]; then
	echo "== dma_plx on PEX 87xx hardware:$hw"
	# shellcheck disable=SC2086
	"$copy" $hw -d "$pmd" --file-prefix "plx-copy-$$" ${PLX_EAL_ARGS:-} \
		-- "$@"
else
	echo "== dma_plx on a simulated PEX 87xx switch (4 DMA functions)"
	# shellcheck disable=SC2086
	"$top/build/app/dpdk-plx-sim" -n 4 -- "$copy" --no-huge -m 512 \
		--iova-mode=va --no-shconf --file-prefix "plx-copy-$$" \
		-d "$pmd" ${PLX_EAL_ARGS:-} -- "$@"
fi
