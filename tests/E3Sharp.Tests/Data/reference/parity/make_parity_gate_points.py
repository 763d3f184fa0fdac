"""Generates parity_gate_points.json from the real e3nn 0.5.6 (see README.md next to this file, section
parity_rtp.json / parity_gate_points.json): e3nn.nn.models.gate_points_2101.Network with its weights.

Run like make_parity_rtp.py (Debian python3-torch 1.13, netlib BLAS, one thread, e3nn 0.5.6 on PYTHONPATH).
This script holds no e3nn code: it imports e3nn from PYTHONPATH.
"""
import json
import os
import sys

import torch
import e3nn
from e3nn import o3
from e3nn.nn.models.gate_points_2101 import Network
from parity_common import enc, with_default

torch.set_num_threads(1)


out = {"meta": {"e3nn_version": e3nn.__version__, "torch_version": torch.__version__, "python": sys.version.split()[0],
                "generator": "make_parity_gate_points.py", "blas": os.environ.get("LD_LIBRARY_PATH", ""),
                "threads": torch.get_num_threads()}}

configs = [
    # e3nn's own example (tests/nn/models/gate_points_2101_test.py), radial_neurons 16 instead of 100 (smaller file)
    dict(irreps_in="3x0e + 2x1o", irreps_hidden="5x0e + 5x0o + 5x1e + 5x1o", irreps_out="2x0o + 2x1o + 2x2e",
         irreps_node_attr="10x0e", irreps_edge_attr=str(o3.Irreps.spherical_harmonics(3)), layers=3, max_radius=2.0,
         number_of_basis=5, radial_layers=2, radial_neurons=16, num_neighbors=4.0, num_nodes=5),
    # no node features nor attributes (e3nn uses ones), two point clouds, reduce_output both ways
    dict(irreps_in=None, irreps_hidden="4x0e + 2x1o + 2x1e", irreps_out="1x0e + 1x1o", irreps_node_attr=None,
         irreps_edge_attr=str(o3.Irreps.spherical_harmonics(2)), layers=2, max_radius=1.8, number_of_basis=4,
         radial_layers=1, radial_neurons=8, num_neighbors=3.0, num_nodes=4),
]
cases = []
for ci, cfg in enumerate(configs):
    torch.manual_seed(ci)
    net = Network(**cfg)
    params = {k: v.detach().clone() for k, v in net.named_parameters()}
    net64 = with_default(torch.float64, lambda: Network(**cfg))
    missing = net64.load_state_dict({k: v.double() for k, v in params.items()}, strict=False)
    assert not missing.unexpected_keys
    g = torch.Generator().manual_seed(50 + ci)
    n = 6 if ci == 0 else 7
    pos = torch.randn(n, 3, dtype=torch.float64, generator=g)
    batch = torch.zeros(n, dtype=torch.long) if ci == 0 else torch.tensor([0, 0, 0, 1, 1, 1, 1])
    data64 = {"pos": pos, "batch": batch}
    if cfg["irreps_in"] is not None:
        data64["x"] = torch.randn(n, o3.Irreps(cfg["irreps_in"]).dim, dtype=torch.float64, generator=g)
    if cfg["irreps_node_attr"] is not None:
        data64["z"] = torch.randn(n, o3.Irreps(cfg["irreps_node_attr"]).dim, dtype=torch.float64, generator=g)
    data32 = {k: (v.float() if v.is_floating_point() else v) for k, v in data64.items()}
    case = {"config": cfg, "parameters": {k: enc(v) for k, v in params.items()},
            "state_dict_keys": list(net.state_dict().keys()), "inputs": {k: enc(v) for k, v in data64.items()},
            "float32": enc(net(data32)), "float64": enc(net64(data64))}
    net.reduce_output = False
    net64.reduce_output = False
    case["nodes_float32"] = enc(net(data32))
    case["nodes_float64"] = enc(net64(data64))
    cases.append(case)
out["gate_points_2101"] = cases

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "parity_gate_points.json"), "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
print("wrote parity_gate_points.json")
