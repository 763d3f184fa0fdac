#!/usr/bin/env bash
# The test command (README): builds the solution, runs the .NET tests, then the PyTorch interop tests on the
# archives the .NET tests wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
export E3SHARP_INTEROP_DIR="${E3SHARP_INTEROP_DIR:-$PWD/artifacts/interop}"
rm -rf "$E3SHARP_INTEROP_DIR"; mkdir -p "$E3SHARP_INTEROP_DIR"
# Archives written by PyTorch (torch.jit.script + save) for the .NET tests to load.
/usr/bin/python3 tests/interop/run_interop.py --make "$E3SHARP_INTEROP_DIR"
dotnet test E3Sharp.slnx -c Release --logger "console;verbosity=normal" 2>&1 | tee artifacts/dotnet-test.log
status=${PIPESTATUS[0]}
if [ "$status" != 0 ]; then echo "dotnet test failed"; exit "$status"; fi
if [ -d tests/interop ]; then
    /usr/bin/python3 tests/interop/run_interop.py "$E3SHARP_INTEROP_DIR"
fi
