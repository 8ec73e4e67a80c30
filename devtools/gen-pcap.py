#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
"""Write a pcap file of Ethernet frames of mixed sizes, for dpdk-plx-fwd.

The same seed gives the same file. Sizes run from --min-size to --max-size
(default 60 to 9000 bytes, so jumbo frames span several 2048-byte mbufs):
first one frame of each size at an mbuf segment edge, then a mix of small,
medium, full-size and jumbo frames. Each frame carries its sequence number
and length after a 14-byte Ethernet header, then pseudo-random bytes.

Usage: gen-pcap.py [-n COUNT] [-s SEED] [--min-size B] [--max-size B] OUTPUT
"""

import argparse
import random
import struct
import sys

PCAP_MAGIC_US = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1
SNAPLEN = 65535
ETHERTYPE_LOCAL = 0x88B5  # IEEE local experimental

# Sizes around the edges of 2048-byte mbufs with 128 bytes of headroom.
EDGE_SIZES = (60, 64, 1514, 1518, 1919, 1920, 1921, 2047, 2048, 2049,
              2175, 2176, 2177, 3840, 3841, 4096, 5760, 5761, 8999, 9000)

# (weight, smallest, largest) of the size classes.
SIZE_CLASSES = ((40, 60, 128), (25, 129, 1023), (15, 1024, 1518),
                (20, 1519, 9000))


def frame_size(rng, lo, hi):
    """A random size from the classes, clipped to [lo, hi]."""
    total = sum(w for w, _, _ in SIZE_CLASSES)
    pick = rng.randrange(total)
    for weight, small, large in SIZE_CLASSES:
        if pick < weight:
            small, large = max(small, lo), min(large, hi)
            if small <= large:
                return rng.randint(small, large)
            break
        pick -= weight
    return rng.randint(lo, hi)


def frame(rng, seq, size):
    """An Ethernet frame of size bytes: header, seq, size, random bytes."""
    dst = bytes((0x02, 0, 0, 0, 0, seq & 0xFF))
    src = bytes((0x02, 0, 0, 0, 1, 0))
    head = dst + src + struct.pack('>HII', ETHERTYPE_LOCAL, seq, size)
    return head + rng.randbytes(size - len(head))


def sizes(rng, count, lo, hi):
    """The edge sizes within [lo, hi] first, then random ones."""
    edges = [s for s in EDGE_SIZES if lo <= s <= hi]
    for i in range(count):
        yield edges[i] if i < len(edges) else frame_size(rng, lo, hi)


def write_pcap(out, count, seed, lo, hi):
    """Write the whole file; the timestamps advance 1 ms per frame."""
    rng = random.Random(seed)
    out.write(struct.pack('<IHHiIII', PCAP_MAGIC_US, 2, 4, 0, 0, SNAPLEN,
                          LINKTYPE_ETHERNET))
    for seq, size in enumerate(sizes(rng, count, lo, hi)):
        data = frame(rng, seq, size)
        out.write(struct.pack('<IIII', 1767225600 + seq // 1000,
                              (seq % 1000) * 1000, len(data), len(data)))
        out.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-n', '--count', type=int, default=10000)
    parser.add_argument('-s', '--seed', type=int, default=1)
    parser.add_argument('--min-size', type=int, default=60)
    parser.add_argument('--max-size', type=int, default=9000)
    parser.add_argument('output')
    args = parser.parse_args()
    if not 22 <= args.min_size <= args.max_size <= SNAPLEN or args.count < 1:
        parser.error('need 22 <= min-size <= max-size <= %d, count >= 1'
                     % SNAPLEN)
    with open(args.output, 'wb') as out:
        write_pcap(out, args.count, args.seed, args.min_size, args.max_size)
    return 0


if __name__ == '__main__':
    sys.exit(main())
