#!/usr/bin/env bash
# The test command (README): the package check (build/test-package.sh: pack, a fresh consumer app outside the clone),
# then builds the solution, runs the .NET tests, the PyTorch interop tests on the archives the .NET tests wrote, and
# real LAMMPS with pair_nequip (build/test-lammps.sh) and with pair_allegro over MPI ranks (build/test-lammps-mpi.sh).
# Ends with one line 'N passed, M failed' counting all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export E3SHARP_INTEROP_DIR="${E3SHARP_INTEROP_DIR:-$PWD/artifacts/interop}"
rm -rf "$E3SHARP_INTEROP_DIR"; mkdir -p "$E3SHARP_INTEROP_DIR" artifacts
# The NuGet package as a new user gets it; it leaves the packages in artifacts/packages for the package-contents test.
export E3SHARP_PACKAGE_DIR="$PWD/artifacts/packages"
set +e
bash build/test-package.sh 2>&1 | tee artifacts/package.log
package_status=${PIPESTATUS[0]}
set -e
pkg_counts=$(tail -1 artifacts/package.log | awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}')
pkg_passed=${pkg_counts% *}; pkg_passed=${pkg_passed:-0}
pkg_failed=${pkg_counts#* }; pkg_failed=${pkg_failed:-0}
if [ "$package_status" != 0 ] && [ "$pkg_failed" = 0 ]; then pkg_failed=1; fi
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
    echo "$((dn_passed + pkg_passed)) passed, $((pkg_failed + (dn_failed > 0 ? dn_failed : 1))) failed"
    exit "$status"
fi
set +e
/usr/bin/python3 tests/interop/run_interop.py "$E3SHARP_INTEROP_DIR" 2>&1 | tee artifacts/interop.log
py_status=${PIPESTATUS[0]}
set -e
# Real LAMMPS with pair_nequip on the deployed potential (builds LAMMPS into a cache on first use, ~8 minutes).
set +e
bash build/test-lammps.sh 2>&1 | tee artifacts/lammps.log
lammps_status=${PIPESTATUS[0]}
# Real LAMMPS with pair_allegro on 1 and 2 MPI ranks (same LAMMPS build).
bash build/test-lammps-mpi.sh 2>&1 | tee artifacts/lammps-mpi.log
mpi_status=${PIPESTATUS[0]}
[ "$mpi_status" = 0 ] || lammps_status=$mpi_status
set -e
counts=$({ grep -E '^[0-9]+ passed, [0-9]+ failed' artifacts/interop.log || true; tail -1 artifacts/lammps.log | grep -E '^[0-9]+ passed, [0-9]+ failed' || true; tail -1 artifacts/lammps-mpi.log | grep -E '^[0-9]+ passed, [0-9]+ failed' || true; } | awk '{p+=$1; f+=$3} END {print p+0, f+0}')
py_passed=${counts% *}
py_failed=${counts#* }
if { [ "$py_status" != 0 ] || [ "$lammps_status" != 0 ]; } && [ "$py_failed" = 0 ]; then py_failed=1; fi
echo "Total (package check + .NET + PyTorch interop + LAMMPS):"
echo "$((pkg_passed + dn_passed + py_passed)) passed, $((pkg_failed + dn_failed + py_failed)) failed"
[ "$py_status" = 0 ] && [ "$package_status" = 0 ] && [ "$lammps_status" = 0 ]
