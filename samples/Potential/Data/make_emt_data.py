#!/usr/bin/env python3
"""Generates the sample's reference data with ASE's EMT calculator (Debian python3-ase): periodic fcc Cu MD snapshots
at several temperatures and cell strains (including sheared, triclinic cells), written as extended XYZ.

The files next to this script were made with `python3 make_emt_data.py` (ASE 3.22.1, Debian bookworm); training
reads them and needs no Python. Deterministic for a given ASE/NumPy version (seeded).

Each trajectory: 2x2x2 conventional fcc cells (32 atoms, a = 3.61 A, so the model's r_max = 4 A exceeds half the
cell), strained by a random symmetric strain (up to 3 %, a triclinic cell), started from positions rattled at about
the thermal amplitude, Langevin MD (4 fs, friction 0.05/fs) at its temperature, one labelled frame every 10 steps
after 30 steps of equilibration (EMT in ASE is pure Python, ~0.1 s per call here: the sampling is kept short). Energies (eV), forces (eV/A) and stress (eV/A^3, ASE's sign: positive under tension) come
from EMT; positions are written with 8 decimals so the labels stay consistent with the written geometry.
"""
import argparse
import numpy as np
from ase import units
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.io import write
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution


def trajectory(seed, temperature, strain_scale, frames, reps=2, every=10, equilibration=30):
    rng = np.random.default_rng(seed)
    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat((reps, reps, reps))
    eps = rng.uniform(-strain_scale, strain_scale, size=(3, 3))
    eps = 0.5 * (eps + eps.T)
    atoms.set_cell(atoms.cell.array @ (np.eye(3) + eps), scale_atoms=True)
    # Einstein-like thermal amplitude of Cu: about 0.1 A at 300 K, growing as sqrt(T).
    atoms.positions += rng.normal(0.0, 0.1 * np.sqrt(temperature / 300.0) / np.sqrt(3), atoms.positions.shape)
    atoms.calc = EMT()
    MaxwellBoltzmannDistribution(atoms, temperature_K=temperature, rng=rng)
    dyn = Langevin(atoms, 4 * units.fs, temperature_K=temperature, friction=0.05, rng=rng)
    dyn.run(equilibration)
    out = []
    for _ in range(frames):
        dyn.run(every)
        snap = atoms.copy()
        snap.wrap()
        snap.positions = np.round(snap.positions, 8)
        snap.calc = EMT()
        e = snap.get_potential_energy()
        f = snap.get_forces()
        s = snap.get_stress(voigt=False)
        snap.calc = None
        snap.info = {"energy": e, "stress": s, "temperature_K": float(temperature), "seed": int(seed)}
        snap.arrays["forces"] = f
        out.append(snap)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=".")
    p.add_argument("--set", choices=["train", "validation", "test"], action="append")
    args = p.parse_args()
    temperatures = [300, 600, 900, 1200]
    # name: (trajectories, frames per trajectory, first seed)
    sets = {"train": (16, 12, 1), "validation": (4, 8, 1001), "test": (8, 8, 2001)}
    for name in args.set or list(sets):
        count, per, seed0 = sets[name]
        frames = []
        for k in range(count):
            t = temperatures[k % len(temperatures)]
            frames += trajectory(seed0 + k, t, 0.03, per)
        write(f"{args.out}/cu_emt_{name}.xyz", frames, format="extxyz", write_results=False)
        print(name, len(frames), "frames")


if __name__ == "__main__":
    main()
