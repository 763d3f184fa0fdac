#!/usr/bin/env bash
# Real LAMMPS with the unmodified pair_allegro (v0.6.0) over MPI ranks (tests/lammps/mpi_check.py): one periodic Cu
# system with `mpirun -np 1`, `-np 2` (2 OpenMP threads a rank) and `-np 2` (1 thread a rank), `newton on`: energies,
# forces and virials equal across rank counts, an NVE run's drift; then eager C# vs LAMMPS on the first step.
# Models: a PyTorch control model (tests/lammps/allegro_control_model.py, independent of E3Sharp) and E3Sharp's
# Allegro-style model (weights in samples/Potential/Data/cu_emt_allegro, or $E3SHARP_ALLEGRO_MODEL; trained with
# `train --model allegro --quick` when neither exists). Builds LAMMPS on first use (build/lammps.sh, cached), or
# uses $E3SHARP_LMP (an lmp with pair_allegro compiled in).
# Ends with 'N passed, M failed' (build/test.sh adds it to its total).
set -uo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
work=artifacts/lammps-mpi
rm -rf "$work"; mkdir -p "$work"
passed=0; failed=0
add() { # add the 'N passed, M failed' last line of a log; a log without one counts as one failure
    local counts
    counts=$(tail -1 "$1" | awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}')
    if [ -z "$counts" ]; then failed=$((failed + 1)); return; fi
    passed=$((passed + ${counts% *})); failed=$((failed + ${counts#* }))
}
finish() { echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }

if [ -n "${E3SHARP_LMP:-}" ]; then
    lmp=$E3SHARP_LMP
elif ! lmp=$(bash build/lammps.sh | tail -1) || [ ! -x "$lmp" ]; then
    echo "test-lammps-mpi: building LAMMPS with pair_allegro failed"
    failed=1; finish
fi
steps="${E3SHARP_MPI_STEPS:-100}"
nve="${E3SHARP_MPI_NVE_STEPS:-1000}"
# 2 ranks x 2 OpenMP threads oversubscribe a 2-core machine (each barrier waits for a time slice): fewer steps.
omp2="${E3SHARP_MPI_OMP2_STEPS:-20}"

echo "== pair_allegro over MPI ranks: PyTorch control model"
$py tests/lammps/allegro_control_model.py "$work/control.pth" >/dev/null
# (a short NVE run: the 1,000-step drift check is the E3Sharp model's)
$py tests/lammps/mpi_check.py --lmp "$lmp" --model "$work/control.pth" --work "$work/control" \
    --steps "$steps" --omp2-steps "$omp2" --nve-steps 200 2>&1 | tee "$work/control.log"
add "$work/control.log"

echo "== pair_allegro over MPI ranks: E3Sharp Allegro model"
model="${E3SHARP_ALLEGRO_MODEL:-samples/Potential/Data/cu_emt_allegro}"
if [ ! -f "$model/model.bin" ]; then
    echo "test-lammps-mpi: no trained weights in $model; training a quick model"
    model="$work/quick-model"
    dotnet run --project samples/Potential -c Release -- train --model allegro --quick --out "$model" \
        >"$work/train.log" 2>&1 || { tail -20 "$work/train.log"; }
fi
# float64 end to end (deploy --float64, pair_style allegro6464): the ranks then differ only by float64 summation
# order, so 100 steps of MD stay far inside 1e-5 eV/Å (a float32 model's rank runs came within 8e-6 of it).
if dotnet run --project samples/Potential -c Release -- deploy --model allegro --float64 --from "$model" \
        --out "$work/allegro.pth" >"$work/deploy.log" 2>&1 && [ -f "$work/allegro.pth" ]; then
    $py tests/lammps/mpi_check.py --lmp "$lmp" --model "$work/allegro.pth" --work "$work/allegro" \
        --pair-style allegro6464 --steps "$steps" --omp2-steps "$omp2" --nve-steps "$nve" 2>&1 | tee "$work/allegro.log"
    add "$work/allegro.log"
    # Eager C# (the Allegro model on the same frame, float64) vs LAMMPS' first step.
    dotnet run --project samples/Potential -c Release -- lammps-allegro --from "$model" --float64 \
        --first-step "$work/allegro/first-step.json" 2>&1 | tee "$work/eager.log"
    add "$work/eager.log"
else
    tail -20 "$work/deploy.log"
    echo "test-lammps-mpi: deploying the Allegro model failed"
    failed=$((failed + 1))
fi
finish
