"""Real LAMMPS with the unmodified pair_allegro (v0.6.0) over MPI ranks: the same periodic Cu system on 1 and 2 ranks.

Checks (each prints PASS/FAIL; the last line is 'N passed, M failed'):
- `mpirun -np 1` vs `-np 2` (2 OpenMP threads a rank) and vs `-np 2` (1 thread a rank), `newton on`: total energy at
  every dumped step to 1e-6 eV/atom, per-atom forces (sorted by atom ID) after the last step to 1e-5 eV/Å, and the
  virial (pressure) at every dumped step to 1e-5 of its largest component.
- An NVE run on 2 ranks (--nve-cells, default 3: 108 atoms): largest deviation of the total energy from its first
  value < 1e-4 eV/atom. --steps 0 runs only this, --nve-steps 0 only the rank comparison.
The start is a perturbed fcc Cu supercell with coordinates and box on a float32-exact grid (multiples of 2^-12 Å:
pair_allegro passes float32 positions) and velocities for 300 K written into the data file, so every run starts from
identical numbers. Writes frame.data and the first step's energy, forces and virial (first-step.json) for the C#
eager comparison. `--bench` instead times ms per MD step for several sizes on 1 and 2 ranks.

Usage: python3 mpi_check.py --lmp LMP --model model.pth --work DIR [--cells 4] [--steps 100] [--nve-steps 1000]
       [--nve-cells 3]
       python3 mpi_check.py --lmp LMP --model model.pth --work DIR --bench 4,8,10,13,20 [--bench-steps 10]
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
import zipfile

GRID = 1.0 / 4096
MASS = {"Cu": 63.546}
KB = 8.617333262e-5          # eV/K
MVV2E = 1.0364269e-4         # LAMMPS metal units: (g/mol)(Å/ps)^2 -> eV
NKTV2P = 1.6021765e6         # eV/Å^3 -> bar


def on_grid(x: float) -> float:
    return round(x / GRID) * GRID


def model_metadata(path: str) -> dict:
    """The extra files pair_allegro reads (stored in the archive's extra/ folder)."""
    meta = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            parts = name.split("/")
            if len(parts) == 3 and parts[1] == "extra":
                meta[parts[2]] = z.read(name).decode()
    return meta


def fcc_frame(cells: int, seed: int, a: float = 3.615, jitter: float = 0.05, temperature: float = 300.0):
    """Perturbed fcc Cu, cells^3 cubic cells; positions, box on the float32 grid; Maxwell velocities (no net momentum)."""
    rng = random.Random(seed)
    a = on_grid(a)
    length = on_grid(cells * a)
    basis = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    pos = []
    for i in range(cells):
        for j in range(cells):
            for k in range(cells):
                for b in basis:
                    p = [((i + b[0]) * a + rng.gauss(0, jitter)) % length,
                         ((j + b[1]) * a + rng.gauss(0, jitter)) % length,
                         ((k + b[2]) * a + rng.gauss(0, jitter)) % length]
                    pos.append([on_grid(x) % length for x in p])
    sigma = math.sqrt(KB * temperature / (MASS["Cu"] * MVV2E))
    vel = [[rng.gauss(0, sigma) for _ in range(3)] for _ in pos]
    mean = [sum(v[k] for v in vel) / len(vel) for k in range(3)]
    vel = [[v[k] - mean[k] for k in range(3)] for v in vel]
    return length, pos, vel


def write_data(path: str, length: float, pos, vel) -> None:
    lines = ["E3Sharp pair_allegro MPI check", "", f"{len(pos)} atoms", "1 atom types", "",
             f"0 {length!r} xlo xhi", f"0 {length!r} ylo yhi", f"0 {length!r} zlo zhi", "", "Atoms # atomic", ""]
    lines += [f"{i + 1} 1 {p[0]!r} {p[1]!r} {p[2]!r}" for i, p in enumerate(pos)]
    lines += ["", "Velocities", ""]
    lines += [f"{i + 1} {v[0]!r} {v[1]!r} {v[2]!r}" for i, v in enumerate(vel)]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def header(model: str, type_name: str, pair_style: str = "allegro") -> str:
    return f"""units metal
atom_style atomic
atom_modify map array
boundary p p p
newton on
read_data frame.data
mass 1 {MASS.get(type_name, 50.0)}
pair_style {pair_style}
pair_coeff * * {os.path.abspath(model)} {type_name}
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
timestep 0.001
fix integrate all nve
"""


def run_lammps(lmp: str, directory: str, ranks: int, threads: int, script: str) -> str:
    with open(os.path.join(directory, "in.lmp"), "w") as f:
        f.write(script)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", str(ranks),
           "-x", f"OMP_NUM_THREADS={threads}", lmp, "-in", "in.lmp", "-log", "log.lammps"]
    p = subprocess.run(cmd, cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(os.path.join(directory, "stdout.txt"), "w") as f:
        f.write(p.stdout)
    if p.returncode != 0:
        tail = "\n".join(p.stdout.splitlines()[-25:])
        raise RuntimeError(f"LAMMPS failed in {directory} (exit {p.returncode}, {ranks} ranks):\n{tail}")
    with open(os.path.join(directory, "log.lammps")) as f:
        return f.read()


def thermo_rows(log: str):
    rows, inside = [], False
    for raw in log.splitlines():
        line = raw.strip()
        if line.startswith("Step"):
            inside = True
            continue
        if line.startswith("Loop time"):
            inside = False
            continue
        if inside and line:
            try:
                rows.append([float(t) for t in line.split()])
            except ValueError:
                pass
    return rows


def loop_time(log: str) -> float:
    return float([l for l in log.splitlines() if l.startswith("Loop time of ")][-1].split()[3])


def read_dump(path: str):
    """{step: {id: (fx, fy, fz)}} from a dump sorted by id."""
    frames, lines, i = {}, open(path).read().splitlines(), 0
    while i < len(lines):
        if lines[i].startswith("ITEM: TIMESTEP"):
            step = int(lines[i + 1])
            n = int(lines[i + 3])
            start = i + 9
            atoms = {}
            for line in lines[start:start + n]:
                t = line.split()
                atoms[int(t[0])] = tuple(float(x) for x in t[1:4])
            frames[step] = atoms
            i = start + n
        else:
            i += 1
    return frames


RUNS = [("np1", 1, 1), ("np2-omp2", 2, 2), ("np2-omp1", 2, 1)]


def check(a, meta) -> int:
    type_name = meta.get("type_names", "Cu").split()[0]
    length, pos, vel = fcc_frame(a.cells, seed=20261207)
    n = len(pos)
    every = max(1, a.steps // 10)
    results = []

    def record(name, value, limit, detail=""):
        ok = value <= limit
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name}: {value:.2E} (limit {limit:.0E}){' ' + detail if detail else ''}",
              flush=True)

    if a.steps > 0:
        print(f"mpi check: {n} Cu atoms, box {length} Å, r_max {meta.get('r_max')} Å, {a.steps} steps", flush=True)
        runs = {}
        for name, ranks, threads in RUNS:
            steps = min(a.omp2_steps, a.steps) if threads > 1 and a.omp2_steps > 0 else a.steps
            d = os.path.join(a.work, name)
            os.makedirs(d, exist_ok=True)
            write_data(os.path.join(d, "frame.data"), length, pos, vel)
            script = header(a.model, type_name, a.pair_style) + f"""compute vir all pressure NULL virial
thermo {every}
thermo_style custom step pe ke etotal c_vir[1] c_vir[2] c_vir[3] c_vir[4] c_vir[5] c_vir[6] vol
thermo_modify format float %.17g
dump d all custom {every} forces.dump id fx fy fz
dump_modify d sort id format float %.17g
run {steps}
"""
            t0 = time.time()
            log = run_lammps(a.lmp, d, ranks, threads, script)
            rows = thermo_rows(log)
            runs[name] = (rows, read_dump(os.path.join(d, "forces.dump")))
            print(f"  {name}: {ranks} rank(s) x {threads} thread(s): {len(rows)} thermo rows, E0 {rows[0][1]!r} eV, "
                  f"E_end {rows[-1][1]!r} eV, {loop_time(log) * 1000 / steps:.1f} ms/step ({time.time() - t0:.0f} s)",
                  flush=True)

        # The first step of the 1-rank run, for the C# eager comparison (virial in eV from the pressure in bar).
        rows0, dump0 = runs["np1"]
        vol = rows0[0][10]
        with open(os.path.join(a.work, "first-step.json"), "w") as f:
            json.dump({"energy": rows0[0][1], "virial": [v * vol / NKTV2P for v in rows0[0][4:10]],
                       "forces": [list(dump0[0][i + 1]) for i in range(n)], "data": os.path.join("np1", "frame.data"),
                       "type_names": meta.get("type_names", "Cu")}, f, indent=1)

        for name, _, _ in RUNS[1:]:
            rows, dump = runs[name]
            # A shorter run (--omp2-steps) is compared over its own steps (every one of them a dumped step of np1).
            if len(rows) > len(rows0) or any(r[0] != s[0] for r, s in zip(rows, rows0)):
                record(f"{name} vs np1: thermo steps", 1.0, 0.0)
                continue
            de = max(abs(r[1] - s[1]) for r, s in zip(rows, rows0)) / n
            record(f"{name} vs np1: total energy at each dumped step (eV/atom)", de, 1e-6,
                   f"({len(rows)} dumps to step {rows[-1][0]:.0f}, E {rows[-1][1]!r} vs {rows0[len(rows) - 1][1]!r})")
            last = max(dump)
            df = max(abs(x - y) for i in range(1, n + 1) for x, y in zip(dump[last][i], dump0[last][i]))
            record(f"{name} vs np1: per-atom forces at step {last} (eV/Å)", df, 1e-5)
            # Virial (eV) from the pressure's virial part: the model's per-rank virials summed over ranks.
            # Relative to the largest component: a float32 model's virial (tens of eV here, a sum over every edge)
            # moves by ~1e-6 of itself with the summation order.
            dv = max(abs(x - y) * r[10] / NKTV2P for r, s in zip(rows, rows0) for x, y in zip(r[4:10], s[4:10]))
            vmax = max(abs(x) * r[10] / NKTV2P for r in rows0 for x in r[4:10])
            record(f"{name} vs np1: virial at each dumped step (relative)", dv / vmax, 1e-5,
                   f"({dv:.2E} eV of {vmax:.1f} eV)")

    if a.nve_steps > 0:
        # Its own (smaller by default) system: 1,000 steps of the larger one cost minutes on a loaded machine.
        length, pos, vel = fcc_frame(a.nve_cells, seed=20261208)
        n = len(pos)
        d = os.path.join(a.work, "nve-np2")
        os.makedirs(d, exist_ok=True)
        write_data(os.path.join(d, "frame.data"), length, pos, vel)
        log = run_lammps(a.lmp, d, 2, 1, header(a.model, type_name, a.pair_style) + f"""thermo {max(1, a.nve_steps // 100)}
thermo_style custom step temp pe ke etotal
thermo_modify format float %.17g
run {a.nve_steps}
""")
        rows = thermo_rows(log)
        e0 = rows[0][4]
        drift = max(abs(r[4] - e0) for r in rows) / n
        pe_range = max(r[2] for r in rows) - min(r[2] for r in rows)
        mean_t = sum(r[1] for r in rows[len(rows) // 2:]) / (len(rows) - len(rows) // 2)
        record(f"NVE {a.nve_steps} x 1 fs, {n} atoms on 2 ranks: total-energy drift (eV/atom)", drift, 1e-4,
               f"(end {(rows[-1][4] - e0) / n:.2E} eV/atom, PE range {pe_range:.4f} eV, mean T {mean_t:.0f} K, "
               f"{loop_time(log) * 1000 / a.nve_steps:.1f} ms/step)")

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


def bench(a, meta) -> int:
    type_name = meta.get("type_names", "Cu").split()[0]
    print("| atoms | ranks | ms/step | µs/atom-step | ghosts/rank |")
    print("|---:|---:|---:|---:|---:|")
    for cells in [int(c) for c in a.bench.split(",")]:
        length, pos, vel = fcc_frame(cells, seed=7)
        for ranks in (1, 2):
            d = os.path.join(a.work, f"bench-{len(pos)}-np{ranks}")
            os.makedirs(d, exist_ok=True)
            write_data(os.path.join(d, "frame.data"), length, pos, vel)
            log = run_lammps(a.lmp, d, ranks, 1, header(a.model, type_name, a.pair_style) + f"""thermo 1000
run 2
run {a.bench_steps}
""")
            ms = loop_time(log) * 1000 / a.bench_steps
            nghost = next((l.split()[1] for l in reversed(log.splitlines()) if l.startswith("Nghost:")), "?")
            print(f"| {len(pos)} | {ranks} | {ms:.1f} | {ms * 1000 / len(pos):.1f} | {nghost} |", flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lmp", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cells", type=int, default=4)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--nve-steps", type=int, default=1000)
    p.add_argument("--nve-cells", type=int, default=3)
    # The 2-threads-a-rank run for fewer steps: on an oversubscribed machine every OpenMP barrier waits for a time slice.
    p.add_argument("--omp2-steps", type=int, default=0)
    # allegro: float32 positions in, float64 out; allegro6464 for a model deployed with --float64.
    p.add_argument("--pair-style", default="allegro", choices=["allegro", "allegro3232", "allegro6464", "allegro3264", "allegro6432"])
    p.add_argument("--bench", default="")
    p.add_argument("--bench-steps", type=int, default=10)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    meta = model_metadata(a.model)
    if not meta.get("nequip_version"):
        print(f"mpi check: {a.model} has no nequip_version extra file (pair_allegro refuses it)")
        print("0 passed, 1 failed")
        return 1
    try:
        return bench(a, meta) if a.bench else check(a, meta)
    except RuntimeError as e:
        print(f"FAIL {e}")
        print("0 passed, 1 failed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
