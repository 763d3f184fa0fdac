"""Generates parity_v2106.json from the real e3nn 0.5.6 (see README.md next to this file, section parity_v2106.json):
e3nn.nn.models.v2106's MessagePassing, SimpleNetwork and NetworkForAGraphWithAttributes with their weights.

Run with Debian's python3-torch 1.13 and netlib BLAS, one thread:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack \
  PYTHONPATH=<e3nn 0.5.6>:<opt_einsum_fx 0.1.4>:<opt_einsum 3.4.0> /usr/bin/python3 make_parity_v2106.py
This script holds no e3nn code: it imports e3nn from PYTHONPATH. e3nn's v2106 files carry their own pure-torch
radius_graph (cdist) and scatter (scatter_add_), so neither torch_cluster nor torch_scatter is needed.
"""
import json
import os
import sys

import torch
import e3nn
from e3nn import o3
from e3nn.nn.models.v2106.gate_points_message_passing import MessagePassing
from e3nn.nn.models.v2106.gate_points_message_passing import radius_graph as mp_radius_graph
from e3nn.nn.models.v2106.gate_points_networks import NetworkForAGraphWithAttributes, SimpleNetwork
from parity_common import enc, e3nn_commit, with_default

torch.set_num_threads(1)


out = {"meta": {
    "e3nn_version": e3nn.__version__, "e3nn_commit": e3nn_commit() or "cf17804342e3579147f588de7340d366c696a15b",
    "torch_version": torch.__version__, "python": sys.version.split()[0], "generator": "make_parity_v2106.py",
    "blas": os.environ.get("LD_LIBRARY_PATH", ""), "threads": torch.get_num_threads()}}


def build(seed, make):
    """The module under the float32 default after manual_seed(seed), its alpha weights (zero at e3nn's init, which
    would mask the convolution wherever the self-connection reaches) redrawn, and a float64 copy with the same
    weights."""
    torch.manual_seed(seed)
    net = make()
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("alpha.weight"):
                p.copy_(torch.randn_like(p))
    params = {k: v.detach().clone() for k, v in net.named_parameters()}
    net64 = with_default(torch.float64, make)
    missing = net64.load_state_dict({k: v.double() for k, v in params.items()}, strict=False)
    assert not missing.unexpected_keys
    assert not set(missing.missing_keys) & set(params)  # only buffers (output_mask, w3j) are not loaded
    return net, net64, {"parameters": {k: enc(v) for k, v in params.items()},
                        "state_dict_keys": list(net.state_dict().keys())}


def f32(d):
    return {k: (v.float() if v.is_floating_point() else v) for k, v in d.items()}


# --- MessagePassing: e3nn's own test (gate_points_message_passing.test) on 6 points ---
mp_cases = []
mp_config = dict(irreps_node_sequence=["0e", "0e + 1e", "0e + 1e", "0e + 1e", "1e"], irreps_node_attr="0e + 1e",
                 irreps_edge_attr="0e + 1e", fc_neurons=[2, 100], num_neighbors=3.0)
mp, mp64, case = build(0, lambda: MessagePassing(**mp_config))
g = torch.Generator().manual_seed(60)
n = 6
pos = torch.randn(n, 3, dtype=torch.float64, generator=g)
edge_src, edge_dst = mp_radius_graph(pos, 3.0)
edge_attr = o3.spherical_harmonics([0, 1], pos[edge_src] - pos[edge_dst], normalize=True, normalization="component")
inputs = {"node_features": torch.randn(n, 1, dtype=torch.float64, generator=g),
          "node_attr": torch.randn(n, 4, dtype=torch.float64, generator=g),
          "edge_src": edge_src, "edge_dst": edge_dst, "edge_attr": edge_attr,
          "edge_scalars": torch.randn(edge_src.shape[0], 2, dtype=torch.float64, generator=g)}
order = ["node_features", "node_attr", "edge_src", "edge_dst", "edge_attr", "edge_scalars"]
case.update({"config": mp_config, "irreps_node_sequence": [str(i) for i in mp.irreps_node_sequence],
             "inputs": {k: enc(v) for k, v in inputs.items()},
             "float32": enc(mp(*[f32(inputs)[k] for k in order])), "float64": enc(mp64(*[inputs[k] for k in order])),
             # the first layer's convolution alone (e3nn's test checks it with assert_auto_jitable)
             "first_conv_float64": enc(mp64.layers[0].first(*[inputs[k] for k in order]))})
mp_cases.append(case)
out["message_passing"] = mp_cases


# --- SimpleNetwork: e3nn's test_simple_network with smaller mul (the weights go in this file) ---
simple_cases = []
simple_configs = [
    # e3nn's test arguments, mul 4 and 2 layers instead of 50 and 3; two point clouds (5 + 4 points)
    (dict(irreps_in="3x0e + 2x1o", irreps_out="4x0e + 1x1o", max_radius=2.0, num_neighbors=3.0, num_nodes=5.0, mul=4,
          layers=2), 9, [0] * 5 + [1] * 4),
    # lmax 1, 3 layers, mul 3, one cloud given without "batch" (e3nn then uses zeros)
    (dict(irreps_in="2x0e + 1x1e", irreps_out="1x0o + 2x1o", max_radius=1.7, num_neighbors=2.0, num_nodes=6.0, mul=3,
          layers=3, lmax=1), 6, None),
]
for ci, (cfg, n, batch) in enumerate(simple_configs):
    net, net64, case = build(10 + ci, lambda: SimpleNetwork(**cfg))
    g = torch.Generator().manual_seed(70 + ci)
    data = {"pos": 1.2 * torch.randn(n, 3, dtype=torch.float64, generator=g),
            "x": torch.randn(n, o3.Irreps(cfg["irreps_in"]).dim, dtype=torch.float64, generator=g)}
    if batch is not None:
        data["batch"] = torch.tensor(batch, dtype=torch.long)
    case.update({"config": cfg, "irreps_in": str(net.irreps_in), "irreps_out": str(net.irreps_out),
                 "inputs": {k: enc(v) for k, v in data.items()},
                 "float32": enc(net(f32(data))), "float64": enc(net64(dict(data)))})
    net.pool_nodes = False
    net64.pool_nodes = False
    case["nodes_float32"] = enc(net(f32(data)))
    case["nodes_float64"] = enc(net64(dict(data)))
    simple_cases.append(case)
out["simple_network"] = simple_cases


# --- NetworkForAGraphWithAttributes: e3nn's test_network_for_a_graph_with_attributes, given edges ---
graph_cases = []
graph_cfg = dict(irreps_node_input="3x0e + 2x1o", irreps_node_attr="4x0e + 1x1o", irreps_edge_attr="1e",
                 irreps_node_output="3x0o + 1e", max_radius=2.0, num_neighbors=3.0, num_nodes=5.0, mul=4, layers=2)
net, net64, case = build(20, lambda: NetworkForAGraphWithAttributes(**graph_cfg))
g = torch.Generator().manual_seed(80)
n = 7
# two graphs: a 4-cycle with a chord and a triangle, both directions (e3nn's test: a directed 3-cycle)
src = [0, 1, 2, 3, 0, 1, 2, 3, 0, 2, 4, 5, 6, 5]
dst = [1, 2, 3, 0, 3, 0, 1, 2, 2, 0, 5, 6, 4, 4]
data = {"pos": torch.randn(n, 3, dtype=torch.float64, generator=g),
        "edge_index": torch.tensor([src, dst], dtype=torch.long),
        "node_input": torch.randn(n, net.irreps_node_input.dim, dtype=torch.float64, generator=g),
        "node_attr": torch.randn(n, net.irreps_node_attr.dim, dtype=torch.float64, generator=g),
        "edge_attr": torch.randn(len(src), o3.Irreps(graph_cfg["irreps_edge_attr"]).dim, dtype=torch.float64,
                                 generator=g),
        "batch": torch.tensor([0, 0, 0, 0, 1, 1, 1], dtype=torch.long)}
case.update({"config": graph_cfg, "irreps_node_input": str(net.irreps_node_input),
             "irreps_node_attr": str(net.irreps_node_attr), "irreps_edge_attr": str(net.irreps_edge_attr),
             "irreps_node_output": str(net.irreps_node_output), "inputs": {k: enc(v) for k, v in data.items()},
             "float32": enc(net(f32(data))), "float64": enc(net64(dict(data)))})
net.pool_nodes = False
net64.pool_nodes = False
case["nodes_float32"] = enc(net(f32(data)))
case["nodes_float64"] = enc(net64(dict(data)))
graph_cases.append(case)
out["network_for_a_graph_with_attributes"] = graph_cases

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "parity_v2106.json"), "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
print("wrote parity_v2106.json")
