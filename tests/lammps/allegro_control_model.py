"""A small control model in pair_allegro v0.6.0's contract, written in PyTorch (independent of E3Sharp).

Strictly local EAM-like potential for one species: E_i = 1/2 sum_j phi(r_ij) - sqrt(sum_j rho(r_ij)), both smoothly
cut off at r_max, so atom i's energy depends only on neighbours within r_max (what pair_allegro's domain decomposition
needs). It brings up the LAMMPS build and the MPI harness before the E3Sharp Allegro model exists, and stays as a
second, independent model for them.

Contract (pair_allegro.cpp compute()): forward(Dict[str, Tensor]) with "pos" float32 [N, 3] (local atoms first, then
ghosts), "edge_index" int64 [2, E] (row 0 a local centre, row 1 a neighbour, possibly a ghost), "atom_types" int64 [N],
"compute_custom_output" bool [1]; returns float64 "atomic_energy" [N, 1] (LAMMPS sums the local rows), "forces"
[N, 3] for every row (LAMMPS folds ghost forces back), "total_energy" [1, 1] and "virial" [1, 3, 3] from a strain on
every position passed (LAMMPS sums it over ranks).

Usage: python3 allegro_control_model.py OUT.pth [--r-max 5.0] [--type-name Cu]
"""
import argparse
from typing import Dict

import torch


class ControlAllegro(torch.nn.Module):
    def __init__(self, r_max: float):
        super().__init__()
        self.r_max = r_max
        # Morse pair term and an exponential density, roughly copper-like (eV, Å).
        self.d = 0.35
        self.a = 1.4
        self.r0 = 2.6
        self.rho_a = 1.2

    def envelope(self, r: torch.Tensor) -> torch.Tensor:
        # (1 - x^2)^3 with x = r / r_max: zero with two zero derivatives at r_max.
        x = r / self.r_max
        return torch.where(x < 1.0, (1.0 - x * x) ** 3, torch.zeros_like(x))

    def forward(self, data: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        pos = data["pos"].to(torch.float64)
        edge_index = data["edge_index"]
        n = pos.shape[0]
        strain = torch.zeros(3, 3, dtype=torch.float64, device=pos.device)
        strain.requires_grad_(True)
        pos.requires_grad_(True)
        strained = pos + pos @ strain
        centre = edge_index[0]
        neighbour = edge_index[1]
        vec = strained[neighbour] - strained[centre]
        r = torch.sqrt((vec * vec).sum(1))
        env = self.envelope(r)
        e = torch.exp(-self.a * (r - self.r0))
        phi = self.d * (e * e - 2.0 * e) * env
        rho = torch.exp(-self.rho_a * (r - self.r0)) * env
        pair = torch.zeros(n, dtype=torch.float64, device=pos.device).index_add(0, centre, 0.5 * phi)
        density = torch.zeros(n, dtype=torch.float64, device=pos.device).index_add(0, centre, rho)
        # sqrt(x + 1) - 1 keeps the embedding smooth for atoms without neighbours (ghosts: zero energy).
        atomic = pair - (torch.sqrt(density + 1.0) - 1.0)
        total = atomic.sum()
        grads = torch.autograd.grad([total], [pos, strain])
        gpos = grads[0]
        gstrain = grads[1]
        assert gpos is not None
        assert gstrain is not None
        return {
            "atomic_energy": atomic.unsqueeze(-1).detach(),
            "total_energy": total.reshape(1, 1).detach(),
            "forces": (-gpos).detach(),
            "virial": (-gstrain).reshape(1, 3, 3).detach(),
        }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--r-max", type=float, default=5.0)
    p.add_argument("--type-name", default="Cu")
    a = p.parse_args()
    m = torch.jit.script(ControlAllegro(a.r_max).eval())
    extra = {
        "nequip_version": "0.6.0",
        "r_max": repr(a.r_max),
        "n_species": "1",
        "type_names": a.type_name,
        "config": "",
        "allow_tf32": "0",
        "_jit_bailout_depth": "2",
        "_jit_fusion_strategy": "DYNAMIC,3",
        "model_dtype": "float64",
        "torch_version": torch.__version__,
    }
    torch.jit.save(m, a.out, _extra_files=extra)
    print(a.out)


if __name__ == "__main__":
    main()
