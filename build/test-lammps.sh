#!/usr/bin/env bash
# Real LAMMPS with the unmodified pair_nequip runs the deployed potential (NequIP 0.6 archive) and is compared with
# eager C#: energy, forces and virial on periodic frames with wrapping edges and on a non-periodic cluster, and a
# 1000-step NVE run (total-energy drift). Builds LAMMPS on first use (build/lammps.sh, cached outside the clone).
# Model: the EMT-trained weights in samples/Potential/Data/cu_emt_model (or $E3SHARP_LAMMPS_MODEL).
# Ends with 'N passed, M failed' (build/test.sh adds it to its total).
set -uo pipefail
cd "$(dirname "$0")/.."
if ! lmp=$(bash build/lammps.sh | tail -1) || [ ! -x "$lmp" ]; then
    echo "test-lammps: building LAMMPS with pair_nequip failed"
    echo "0 passed, 1 failed"
    exit 1
fi
model="${E3SHARP_LAMMPS_MODEL:-samples/Potential/Data/cu_emt_model}"
out=$(mktemp)
dotnet run --project samples/Potential -c Release -- lammps --lmp "$lmp" --from "$model" \
    --work artifacts/lammps --steps "${E3SHARP_LAMMPS_STEPS:-1000}" ${E3SHARP_LAMMPS_BENCH:+--bench} 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
if [ "$status" != 0 ] && ! tail -1 "$out" | grep -qE '^[0-9]+ passed, [1-9][0-9]* failed'; then
    # The check stopped before its summary (LAMMPS or the model failed to run): count it as one failure.
    echo "0 passed, 1 failed"
fi
rm -f "$out"
exit "$status"
