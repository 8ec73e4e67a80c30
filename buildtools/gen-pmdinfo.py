#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The plx-dma authors
"""Write the PMD_INFO_STRING C source that dpdk-pmdinfo.py reads.

DPDK's own generator is part of its build tree, which Debian does not ship.
This one reads the same exported symbols (RTE_PMD_REGISTER_PCI_TABLE,
RTE_PMD_REGISTER_KMOD_DEP, RTE_PMD_REGISTER_PARAM_STRING and the PMD name)
from the driver's object files, so the table stays in sync with the code.

Usage: gen-pmdinfo.py OUTPUT.c OBJECT...
"""

import json
import struct
import sys

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

PCI_ID = struct.Struct("<IHHHH")  # class, vendor, device, subsys ven/dev


def symbols(elf):
    """Map each symbol name to (section index, value, size)."""
    out = {}
    for sec in elf.iter_sections():
        if isinstance(sec, SymbolTableSection):
            for sym in sec.iter_symbols():
                if isinstance(sym["st_shndx"], int):
                    out[sym.name] = (sym["st_shndx"], sym["st_value"],
                                     sym["st_size"])
    return out


def read(elf, where):
    shndx, value, size = where
    data = elf.get_section(shndx).data()
    return data[value:value + size]


def cstring(elf, where):
    return read(elf, where).split(b"\0", 1)[0].decode()


def pci_ids(elf, where):
    data = read(elf, where)
    ids = []
    for off in range(0, len(data) - PCI_ID.size + 1, PCI_ID.size):
        _, ven, dev, sven, sdev = PCI_ID.unpack_from(data, off)
        if ven == 0:
            break
        ids.append([ven, dev, sven, sdev])
    return ids


def pmd_infos(path):
    with open(path, "rb") as f:
        elf = ELFFile(f)
        syms = symbols(elf)
        for sym, where in syms.items():
            if not sym.startswith("this_pmd_name"):
                continue
            name = cstring(elf, where)
            info = {"name": name}
            for key, tag in (("pci_ids", "pci_tbl_export"),
                             ("kmod", "kmod_dep_export"),
                             ("params", "param_string_export")):
                exp = syms.get("__%s_%s" % (name, tag))
                if exp is None:
                    continue
                value = cstring(elf, exp)
                if key == "pci_ids":
                    value = pci_ids(elf, syms[value])
                info[key] = value
            yield info


def main():
    out, objs = sys.argv[1], sys.argv[2:]
    with open(out, "w") as f:
        for obj in objs:
            for info in pmd_infos(obj):
                text = json.dumps(info).replace("\\", "\\\\")
                f.write('const char %s_pmd_info[] __attribute__((used)) = '
                        '"PMD_INFO_STRING= %s";\n'
                        % (info["name"], text.replace('"', '\\"')))


if __name__ == "__main__":
    main()
