#!/usr/bin/env python3
"""Tests of build/fix_libtorchsharp.py on the real libLibTorchSharp.so from the NuGet cache.

Run by build/test.sh after `dotnet test` (which restored the package). Prints 'N passed, M failed'.
"""
import glob
import os
import shutil
import struct
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "build"))
import fix_libtorchsharp as fix  # noqa: E402

NUGET = os.environ.get("NUGET_PACKAGES", os.path.expanduser("~/.nuget/packages"))
ORIGINAL = os.path.join(NUGET, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so")


def version_state(path):
    """(versym index of the ios_base_library_init symbol, flags of the GLIBCXX_3.4.32 need)."""
    data = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, _ = struct.unpack_from("<HHH", data, 0x3A)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    by_type = {s[1]: s for s in secs}
    dynsym, versym, verneed = by_type[fix.SHT_DYNSYM], by_type[fix.SHT_GNU_VERSYM], by_type[fix.SHT_GNU_VERNEED]
    dynstr, vstr = secs[dynsym[6]], secs[verneed[6]]
    index = next(i for i in range(dynsym[5] // 24)
                 if fix.cstr(data, dynstr[4] + struct.unpack_from("<I", data, dynsym[4] + 24 * i)[0]) == fix.SYMBOL)
    sym_version, = struct.unpack_from("<H", data, versym[4] + 2 * index)
    off, flags = verneed[4], None
    while True:
        _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, off)
        a = off + aux
        for _ in range(cnt):
            _, f, _, name, anext = struct.unpack_from("<IHHII", data, a)
            if fix.cstr(data, vstr[4] + name) == fix.VERSION:
                flags = f
            a += anext
        if nxt == 0:
            return sym_version, flags
        off += nxt


def fake_libstdcxx(folder, versions):
    path = os.path.join(folder, "libstdc++.so.6")
    with open(path, "wb") as f:
        f.write(b"\x7fELF fake\0" + b"\0".join(v.encode() for v in versions) + b"\0")
    return path


def test_original_requires_the_strong_version():
    sym_version, flags = version_state(ORIGINAL)
    assert sym_version > 1, sym_version
    assert flags is not None and not flags & fix.VER_FLG_WEAK, flags


def test_patch_clears_symbol_version_and_weakens_need_idempotently():
    with tempfile.TemporaryDirectory() as d:
        lib = os.path.join(d, fix.LIBNAME)
        shutil.copy(ORIGINAL, lib)
        assert fix.patch(lib) == "patched"
        sym_version, flags = version_state(lib)
        assert sym_version == 1, sym_version
        assert flags & fix.VER_FLG_WEAK, flags
        before = open(lib, "rb").read()
        assert fix.patch(lib) == "already patched"
        assert open(lib, "rb").read() == before
        # Only two 16-bit fields change: the file is otherwise byte-identical to the original.
        original = open(ORIGINAL, "rb").read()
        assert len(original) == len(before)
        assert sum(1 for a, b in zip(original, before) if a != b) <= 4


def test_needs_fix_follows_the_libstdcxx_versions():
    with tempfile.TemporaryDirectory() as d:
        assert fix.needs_fix(fake_libstdcxx(d, ["GLIBCXX_3.4.29", "GLIBCXX_3.4.30"]))
        assert not fix.needs_fix(fake_libstdcxx(d, ["GLIBCXX_3.4.30", "GLIBCXX_3.4.32"]))


def test_newer_libstdcxx_leaves_the_build_output_untouched():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "bin", "runtimes", "linux-x64", "native")
        os.makedirs(out)
        lib = os.path.join(out, fix.LIBNAME)
        shutil.copy(ORIGINAL, lib)
        newer = fake_libstdcxx(d, ["GLIBCXX_3.4.32", "GLIBCXX_3.4.33"])
        assert fix.main(["fix", os.path.join(d, "bin"), "--libstdcxx", newer]) == 0
        assert open(lib, "rb").read() == open(ORIGINAL, "rb").read()
        older = fake_libstdcxx(d, ["GLIBCXX_3.4.30"])
        assert fix.main(["fix", os.path.join(d, "bin"), "--libstdcxx", older]) == 0
        assert version_state(lib)[0] == 1


def main():
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    passed = failed = 0
    for t in tests:
        try:
            t()
            passed += 1
            print(f"PASS {t.__name__}")
        except Exception:  # noqa: BLE001
            failed += 1
            print(f"FAIL {t.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
