"""samples/Potential's NequIP-style model written with e3nn 0.5.6, as an e3nn user writes it.

Mirrors samples/Potential/Model/{AtomicEnergyModel,Interaction,RadialEmbedding,RadialMlp}.cs module by module, with
e3nn's own o3.Linear, o3.SphericalHarmonics, o3.TensorProduct (per-edge weights), o3.FullyConnectedTensorProduct,
nn.FullyConnectedNet and nn.Gate. The architecture comes from the weights folder's config.json (E3Sharp's
ModelConfig); `load_e3sharp_state` copies E3Sharp's trained weights in (E3Sharp's state-dict names are e3nn's, except
the radial network's `layer{k}_weight`, which e3nn's FullyConnectedNet calls `layer{k}.weight`).
"""
import math
import re
from typing import List

import torch
from e3nn import o3
from e3nn.nn import FullyConnectedNet, Gate
from e3nn.util.jit import compile_mode


@compile_mode("script")
class RadialEmbedding(torch.nn.Module):
    """NequIP's Bessel basis (trainable frequencies) times the polynomial cutoff envelope of degree p."""

    r_max: float
    p: float

    def __init__(self, r_max: float, num_basis: int, p: int):
        super().__init__()
        self.r_max = float(r_max)
        self.p = float(p)
        self.bessel_weights = torch.nn.Parameter(torch.linspace(1.0, num_basis, num_basis) * math.pi)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        rr = r.unsqueeze(-1)
        bessel = torch.sin(self.bessel_weights * (rr / self.r_max)) / rr * (2.0 / self.r_max)
        p = self.p
        x = rr / self.r_max
        xp = torch.pow(x, p)
        u = 1.0 - (p + 1.0) * (p + 2.0) / 2.0 * xp + p * (p + 2.0) * xp * x - p * (p + 1.0) / 2.0 * xp * x * x
        return bessel * torch.where(x < 1.0, u, torch.zeros_like(u))


def _path_exists(a: o3.Irreps, b: o3.Irreps, target: o3.Irrep) -> bool:
    return any(target in ir1 * ir2 for _, ir1 in a for _, ir2 in b)


@compile_mode("script")
class Interaction(torch.nn.Module):
    """NequIP's convolution: linear, uvu tensor product with radial weights, index_add, linear + self-connection, gate."""

    mid_dim: int
    message_scale: float
    resnet: bool

    def __init__(self, irreps_in, irreps_hidden, irreps_edge, num_species: int, num_basis: int,
                 radial_hidden: List[int], avg_num_neighbors: float):
        super().__init__()
        irreps_in, irreps_hidden, irreps_edge = o3.Irreps(irreps_in), o3.Irreps(irreps_hidden), o3.Irreps(irreps_edge)
        node_attrs = o3.Irreps(f"{num_species}x0e")
        scalars = o3.Irreps([(m, ir) for m, ir in irreps_hidden if ir.l == 0 and _path_exists(irreps_in, irreps_edge, ir)])
        gated = o3.Irreps([(m, ir) for m, ir in irreps_hidden if ir.l > 0 and _path_exists(irreps_in, irreps_edge, ir)])
        ir_gate = "0e" if _path_exists(irreps_in, irreps_edge, o3.Irrep("0e")) else "0o"
        gates = o3.Irreps([(m, ir_gate) for m, _ in gated])
        acts = {1: torch.nn.functional.silu, -1: torch.tanh}
        self.gate = Gate(scalars, [acts[ir.p] for _, ir in scalars], gates, [torch.sigmoid for _ in gates], gated)
        conv_out = self.gate.irreps_in

        irreps_mid = []
        instructions = []
        for i, (mul, ir_in) in enumerate(irreps_in):
            for j, (_, ir_edge) in enumerate(irreps_edge):
                for ir_out in ir_in * ir_edge:
                    if ir_out in conv_out:
                        instructions.append((i, j, len(irreps_mid), "uvu", True))
                        irreps_mid.append((mul, ir_out))
        irreps_mid, p, _ = o3.Irreps(irreps_mid).sort()
        instructions = [(i1, i2, p[i_out], mode, train) for i1, i2, i_out, mode, train in instructions]

        self.linear_1 = o3.Linear(irreps_in, irreps_in)
        self.tp = o3.TensorProduct(irreps_in, irreps_edge, irreps_mid, instructions, shared_weights=False,
                                   internal_weights=False)
        self.radial = FullyConnectedNet([num_basis] + list(radial_hidden) + [self.tp.weight_numel],
                                        torch.nn.functional.silu)
        self.linear_2 = o3.Linear(irreps_mid.simplify(), conv_out)
        self.self_connection = o3.FullyConnectedTensorProduct(irreps_in, node_attrs, conv_out)
        self.mid_dim = irreps_mid.dim
        self.message_scale = 1.0 / math.sqrt(avg_num_neighbors)
        self.irreps_out = self.gate.irreps_out
        self.resnet = self.irreps_out == irreps_in

    def forward(self, h, node_attrs, edge_sh, edge_embedding, edge_index):
        centre = edge_index[0]
        neighbour = edge_index[1]
        x = self.linear_1(h)
        weights = self.radial(edge_embedding)
        messages = self.tp(x.index_select(0, neighbour), edge_sh, weights)
        summed = torch.zeros(h.shape[0], self.mid_dim, dtype=messages.dtype, device=messages.device)
        summed = summed.index_add(0, centre, messages)
        y = self.linear_2(summed * self.message_scale) + self.self_connection(h, node_attrs)
        y = self.gate(y)
        if self.resnet:
            return h + y
        return y


@compile_mode("script")
class AtomicEnergyModel(torch.nn.Module):
    """Edge vectors, edge index and species → per-atom energies [N, 1], as E3Sharp's AtomicEnergyModel."""

    def __init__(self, config: dict):
        super().__init__()
        s = len(config["TypeNames"])
        lmax = int(config["LMax"])
        edge_irreps = o3.Irreps.spherical_harmonics(lmax)
        self.register_buffer("species_eye", torch.eye(s))
        self.embedding = o3.Linear(f"{s}x0e", f"{config['EmbeddingScalars']}x0e")
        self.sh = o3.SphericalHarmonics(edge_irreps, normalize=True, normalization="component")
        self.radial_embedding = RadialEmbedding(config["RMax"], int(config["NumBasis"]), int(config["PolynomialDegree"]))
        layers = []
        irreps = o3.Irreps(f"{config['EmbeddingScalars']}x0e")
        for _ in range(int(config["Layers"])):
            layer = Interaction(irreps, config["HiddenIrreps"], edge_irreps, s, int(config["NumBasis"]),
                                config["RadialHidden"], float(config["AvgNumNeighbors"]))
            layers.append(layer)
            irreps = layer.irreps_out
        self.layers = torch.nn.ModuleList(layers)
        self.readout_hidden = o3.Linear(irreps, f"{config['ReadoutScalars']}x0e")
        self.readout = o3.Linear(f"{config['ReadoutScalars']}x0e", "1x0e")
        self.register_buffer("scale", torch.ones(1))
        self.register_buffer("shifts", torch.zeros(s))

    def forward(self, edge_vec, edge_index, atom_types):
        node_attrs = self.species_eye.index_select(0, atom_types)
        h = self.embedding(node_attrs)
        edge_length = torch.sqrt((edge_vec * edge_vec).sum(-1))
        edge_sh = self.sh(edge_vec)
        edge_embedding = self.radial_embedding(edge_length)
        for layer in self.layers:
            h = layer(h, node_attrs, edge_sh, edge_embedding, edge_index)
        e = self.readout(self.readout_hidden(h))
        return e * self.scale + self.shifts.index_select(0, atom_types).unsqueeze(-1)


def twin_name(e3sharp_name: str) -> str:
    return re.sub(r"\.layer(\d+)_weight$", r".layer\1.weight", e3sharp_name)


def load_e3sharp_state(model: torch.nn.Module, state: dict) -> None:
    """Copies E3Sharp's exported state ({name: {shape, data}}) into the twin; every tensor must match by name and shape."""
    own = model.state_dict()
    # Every parameter and the scale/shift buffers must come from E3Sharp; other buffers (e3nn's output masks and
    # Wigner 3j constants) are derived from the irreps, and are copied too where E3Sharp has them by the same name.
    needed = {n for n, _ in model.named_parameters()} | {"species_eye", "scale", "shifts"}
    missing = needed - {twin_name(n) for n in state}
    if missing:
        raise KeyError(f"E3Sharp's state has no values for the twin's {sorted(missing)}")
    with torch.no_grad():
        for name, entry in state.items():
            target = own.get(twin_name(name))
            if target is None:
                raise KeyError(f"E3Sharp's {name} has no counterpart in the twin (twin names: {sorted(own)})")
            value = torch.tensor(entry["data"], dtype=torch.float64).reshape(entry["shape"])
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(f"{name}: E3Sharp shape {tuple(value.shape)}, twin {tuple(target.shape)}")
            target.copy_(value.to(target.dtype))


def energy_forces(f, s: dict, create_graph: bool = False, with_atomic: bool = False):
    """The evaluation around every variant, line by line as bench/E3Sharp.PotentialBench/Potentials.cs EnergyForces:
    edge vectors from positions that require grad, per-atom energies from f, summed per configuration, forces by
    autograd. `s` holds the tensors of one system (load_systems)."""
    pos = s["pos"].detach().requires_grad_(True)
    edge_index = s["edge_index"]
    centre = edge_index[0]
    neighbour = edge_index[1]
    edge_cell = s["cells"].index_select(0, s["graph_index"].index_select(0, centre))
    edge_vec = pos.index_select(0, neighbour) - pos.index_select(0, centre) + \
        s["edge_cell_shift"].unsqueeze(1).bmm(edge_cell).squeeze(1)
    atomic = f(edge_vec, edge_index, s["atom_types"])
    energy = torch.zeros(s["graphs"], dtype=pos.dtype).index_add(0, s["graph_index"], atomic[:, 0])
    (grad,) = torch.autograd.grad([energy.sum()], [pos], create_graph=create_graph)
    if with_atomic:
        return energy, -grad, atomic.detach()
    return energy, -grad


def system_tensors(entry: dict, dtype) -> dict:
    """One system of systems.json (written by `E3Sharp.PotentialBench export`) as tensors of the given float dtype."""
    n = int(entry["atoms"])
    g = int(entry["graphs"])
    t = {
        "name": entry["name"],
        "graphs": g,
        "pos": torch.tensor(entry["pos"], dtype=torch.float64).reshape(n, 3).to(dtype),
        "cells": torch.tensor(entry["cells"], dtype=torch.float64).reshape(g, 3, 3).to(dtype),
        "edge_index": torch.tensor(entry["edge_index"], dtype=torch.int64).reshape(2, -1),
        "edge_cell_shift": torch.tensor(entry["edge_cell_shift"], dtype=torch.float64).reshape(-1, 3).to(dtype),
        "atom_types": torch.tensor(entry["atom_types"], dtype=torch.int64),
        "graph_index": torch.tensor(entry["graph_index"], dtype=torch.int64),
    }
    if "energy_label" in entry:
        t["energy_label"] = torch.tensor(entry["energy_label"], dtype=torch.float64).to(dtype)
        t["forces_label"] = torch.tensor(entry["forces_label"], dtype=torch.float64).reshape(n, 3).to(dtype)
        t["atom_counts"] = torch.bincount(t["graph_index"], minlength=g).to(dtype)
    return t
