#!/usr/bin/env python3
"""Mark one version requirement of an ELF64 shared library as weak (VER_FLG_WEAK).

Usage: elf_weaken_version.py LIBRARY VERSION_NAME

The dynamic loader then tolerates a host library that lacks the version instead of refusing to load.
Exit code 0 when the flag is set (or was already set), 3 when the library has no such requirement.
"""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def main(path: str, wanted: str) -> int:
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            print(f"{path}: not a little-endian ELF64 file", file=sys.stderr)
            return 2
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        changed = found = False
        for (_, sh_type, _, _, sh_offset, _, sh_link, sh_info, _, _) in sections:
            if sh_type != SHT_GNU_VERNEED:
                continue
            strtab_offset = sections[sh_link][4]
            need = sh_offset
            for _ in range(sh_info):
                _, vn_cnt, _, vn_aux, vn_next = struct.unpack_from("<HHIII", data, need)
                aux = need + vn_aux
                for _ in range(vn_cnt):
                    _, flags, _, name_off, vna_next = struct.unpack_from("<IHHII", data, aux)
                    end = data.index(0, strtab_offset + name_off)
                    name = data[strtab_offset + name_off:end].decode()
                    if name == wanted:
                        found = True
                        if not flags & VER_FLG_WEAK:
                            struct.pack_into("<H", data, aux + 4, flags | VER_FLG_WEAK)
                            changed = True
                    aux += vna_next
                need += vn_next
        if changed:
            f.seek(0)
            f.write(data)
    if not found:
        print(f"{path}: no requirement named {wanted}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
