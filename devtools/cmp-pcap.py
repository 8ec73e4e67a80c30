#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
"""Compare the packets of two pcap files: lengths and bytes, in order.

Timestamps and file headers are ignored (microsecond and nanosecond files
of either byte order compare alike). With --prefix, OUTPUT may stop early:
its packets must be the first ones of INPUT.

Usage: cmp-pcap.py [--prefix] INPUT OUTPUT
Prints "N packets identical" and exits 0, or names the first difference
and exits 1.
"""

import argparse
import struct
import sys

MAGICS = {0xA1B2C3D4: '<', 0xA1B23C4D: '<', 0xD4C3B2A1: '>',
          0x4D3CB2A1: '>'}


def packets(path):
    """Yield (captured length, original length, data) of each packet."""
    with open(path, 'rb') as f:
        head = f.read(24)
        if len(head) < 24:
            raise ValueError('%s: no pcap header' % path)
        order = MAGICS.get(struct.unpack('<I', head[:4])[0])
        if order is None:
            raise ValueError('%s: not a pcap file' % path)
        while True:
            rec = f.read(16)
            if not rec:
                return
            if len(rec) < 16:
                raise ValueError('%s: truncated record header' % path)
            _, _, caplen, origlen = struct.unpack(order + 'IIII', rec)
            data = f.read(caplen)
            if len(data) < caplen:
                raise ValueError('%s: truncated packet' % path)
            yield caplen, origlen, data


def first_difference(a, b):
    """Offset of the first differing byte of a and b."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def compare(inp, out, prefix):
    """None if equal, else a description of the first difference."""
    count = 0
    expected = packets(inp)
    for count, got in enumerate(packets(out), 1):
        want = next(expected, None)
        if want is None:
            return 'output has more than the %d input packets' % (count - 1)
        if got[:2] != want[:2]:
            return 'packet %d: length %d/%d, expected %d/%d' % (
                count - 1, got[0], got[1], want[0], want[1])
        if got[2] != want[2]:
            return 'packet %d (%d bytes): byte %d differs' % (
                count - 1, want[0], first_difference(got[2], want[2]))
    if not prefix and next(expected, None) is not None:
        left = 1 + sum(1 for _ in expected)
        return 'output has %d packets, input %d more' % (count, left)
    print('%d packets identical' % count)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--prefix', action='store_true',
                        help='the output may end before the input does')
    parser.add_argument('input')
    parser.add_argument('output')
    args = parser.parse_args()
    try:
        diff = compare(args.input, args.output, args.prefix)
    except (OSError, ValueError) as err:
        diff = str(err)
    if diff is not None:
        print('differ: %s' % diff)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
