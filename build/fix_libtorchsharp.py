#!/usr/bin/env python3
"""Make TorchSharp's libLibTorchSharp.so load on systems whose libstdc++ predates GLIBCXX_3.4.32.

TorchSharp 0.107's native library was linked against GCC 13's libstdc++. The only thing it takes from
GLIBCXX_3.4.32 is the symbol `std::ios_base_library_init()` (`_ZSt21ios_base_library_initv`), which GCC 13's
<iostream> references only to pull in the iostream initialiser: no relocation uses it, so nothing ever calls it.
On such a system (e.g. Debian 12, libstdc++ up to GLIBCXX_3.4.30) the dynamic loader still refuses the file
because of the version *requirement*. This script, run by the build (Directory.Build.targets), edits the copy of
the library in a build output folder, only when the libstdc++ the loader would pick lacks GLIBCXX_3.4.32:

1. the symbol's entry in `.gnu.version` is set to 1 (global, unversioned), as `patchelf --clear-symbol-version`;
2. the `GLIBCXX_3.4.32` entry in `.gnu.version_r` gets the VER_FLG_WEAK flag, so a missing version is a
   warning-free no-op for the loader instead of a fatal error.

Before patching it checks that no relocation refers to the symbol (if one did, the symbol would have to be
provided by a shim library and this script refuses rather than produce a library that fails later).
The edit is idempotent; a machine with a newer libstdc++ is left untouched.
Usage: fix_libtorchsharp.py <folder> [--force] [--check] [--libstdcxx PATH]
"""
import os
import struct
import subprocess
import sys

SYMBOL = b"_ZSt21ios_base_library_initv"
VERSION = b"GLIBCXX_3.4.32"
LIBNAME = "libLibTorchSharp.so"
SHT_RELA, SHT_REL, SHT_DYNSYM = 4, 9, 11
SHT_GNU_VERNEED, SHT_GNU_VERSYM = 0x6FFFFFFE, 0x6FFFFFFF
VER_FLG_WEAK = 0x2


def system_libstdcxx():
    """Path of the libstdc++.so.6 the dynamic loader resolves, or None."""
    try:
        out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("libstdc++.so.6 ") and ("x86-64" in line or "AArch64" in line):
            return line.split("=>")[-1].strip()
    for cand in ("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6"):
        if os.path.exists(cand):
            return cand
    return None


def needs_fix(path=None):
    """True when the libstdc++ at `path` (default: the one the loader resolves) lacks GLIBCXX_3.4.32."""
    path = path or system_libstdcxx()
    if path is None:
        return False
    with open(path, "rb") as f:
        return VERSION not in f.read()


def cstr(buf, off):
    end = buf.index(b"\0", off)
    return bytes(buf[off:end])


def patch(path):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit(f"{path}: not a little-endian ELF64 file")
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = []
    for i in range(e_shnum):
        name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, e_shoff + i * e_shentsize)
        sections.append(dict(type=typ, off=off, size=size, link=link, entsize=entsize))
    dynsym = next((s for s in sections if s["type"] == SHT_DYNSYM), None)
    versym = next((s for s in sections if s["type"] == SHT_GNU_VERSYM), None)
    verneed = next((s for s in sections if s["type"] == SHT_GNU_VERNEED), None)
    if dynsym is None or versym is None or verneed is None:
        return "no symbol versioning; nothing to do"
    dynstr = sections[dynsym["link"]]
    nsyms = dynsym["size"] // 24
    sym_index = None
    for i in range(nsyms):
        st_name, = struct.unpack_from("<I", data, dynsym["off"] + i * 24)
        if cstr(data, dynstr["off"] + st_name) == SYMBOL:
            sym_index = i
            break
    changed = False
    if sym_index is not None:
        for s in sections:
            if s["type"] in (SHT_RELA, SHT_REL) and s["link"] == sections.index(dynsym):
                step = 24 if s["type"] == SHT_RELA else 16
                for off in range(s["off"], s["off"] + s["size"], step):
                    r_info, = struct.unpack_from("<Q", data, off + 8)
                    if r_info >> 32 == sym_index:
                        raise SystemExit(f"{path}: a relocation uses {SYMBOL.decode()}; a shim library would be needed")
        vs_off = versym["off"] + 2 * sym_index
        if struct.unpack_from("<H", data, vs_off)[0] != 1:
            struct.pack_into("<H", data, vs_off, 1)
            changed = True
    vstr = sections[verneed["link"]]
    off = verneed["off"]
    while True:
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, off)
        aoff = off + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aoff)
            if cstr(data, vstr["off"] + vna_name) == VERSION and not vna_flags & VER_FLG_WEAK:
                struct.pack_into("<H", data, aoff + 4, vna_flags | VER_FLG_WEAK)
                changed = True
            if vna_next == 0:
                break
            aoff += vna_next
        if vn_next == 0:
            break
        off += vn_next
    if not changed:
        return "already patched"
    tmp = path + ".e3sharp-tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, os.stat(path).st_mode)
    os.replace(tmp, path)
    return "patched"


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    folder = argv[1]
    libstdcxx = argv[argv.index("--libstdcxx") + 1] if "--libstdcxx" in argv else None
    if "--check" in argv:
        print("needed" if needs_fix(libstdcxx) else "not needed")
        return 0
    if "--force" not in argv and not needs_fix(libstdcxx):
        return 0
    for root, _, files in os.walk(folder):
        for name in files:
            if name == LIBNAME:
                p = os.path.join(root, name)
                result = patch(p)
                if result == "patched":
                    print(f"E3Sharp: patched {p} for a libstdc++ without {VERSION.decode()} (see README)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
