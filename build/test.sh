#!/usr/bin/env bash
# The test command (README): builds the solution, runs the .NET tests, then the PyTorch interop tests on the
# archives the .NET tests wrote. Ends with one line 'N passed, M failed' counting both.
set -euo pipefail
cd "$(dirname "$0")/.."
export E3SHARP_INTEROP_DIR="${E3SHARP_INTEROP_DIR:-$PWD/artifacts/interop}"
rm -rf "$E3SHARP_INTEROP_DIR"; mkdir -p "$E3SHARP_INTEROP_DIR"
# Archives written by PyTorch (torch.jit.script + save) for the .NET tests to load.
/usr/bin/python3 tests/interop/run_interop.py --make "$E3SHARP_INTEROP_DIR"
set +e
dotnet test E3Sharp.slnx -c Release --logger "console;verbosity=normal" 2>&1 | tee artifacts/dotnet-test.log
status=${PIPESTATUS[0]}
set -e
# dotnet test prints "Passed: N" / "Failed: N" per test project; add them up.
dn_passed=$({ grep -E '^\s+Passed: [0-9]+' artifacts/dotnet-test.log || true; } | awk '{s+=$2} END {print s+0}')
dn_failed=$({ grep -E '^\s+Failed: [0-9]+' artifacts/dotnet-test.log || true; } | awk '{s+=$2} END {print s+0}')
if [ "$status" != 0 ]; then
    # Repeat each failed test's name, message and stack at the end, where a log tail shows them.
    echo "---- failed .NET tests ----"
    awk '/^  Failed [A-Za-z_]/ {show=1; n=0} /^  Passed [A-Za-z_]/ {show=0} show && n < 40 {print; n++}' artifacts/dotnet-test.log
    echo "---------------------------"
    echo "dotnet test failed (exit $status)"
    echo "${dn_passed} passed, $((dn_failed > 0 ? dn_failed : 1)) failed"
    exit "$status"
fi
set +e
/usr/bin/python3 tests/interop/run_interop.py "$E3SHARP_INTEROP_DIR" 2>&1 | tee artifacts/interop.log
py_status=${PIPESTATUS[0]}
set -e
# The libstdc++ fix of the native library (build/fix_libtorchsharp.py), on the real file from the NuGet cache.
set +e
python3 tests/native/test_fix_libtorchsharp.py 2>&1 | tee -a artifacts/interop.log
native_status=${PIPESTATUS[0]}
set -e
counts=$({ grep -E '^[0-9]+ passed, [0-9]+ failed' artifacts/interop.log || true; } | awk '{p+=$1; f+=$3} END {print p+0, f+0}')
py_passed=${counts% *}
py_failed=${counts#* }
if { [ "$py_status" != 0 ] || [ "$native_status" != 0 ]; } && [ "$py_failed" = 0 ]; then py_failed=1; fi
echo "Total (.NET + PyTorch interop + native-library fix):"
echo "$((dn_passed + py_passed)) passed, $((dn_failed + py_failed)) failed"
[ "$py_status" = 0 ] && [ "$native_status" = 0 ]
