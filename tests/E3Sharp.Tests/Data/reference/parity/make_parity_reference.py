"""Generates parity.json from the real e3nn 0.5.6 (see README.md next to this file).

Run with Debian's python3-torch 1.13 and netlib BLAS, one thread:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack \
  PYTHONPATH=<e3nn 0.5.6>:<opt_einsum_fx 0.1.4>:<opt_einsum 3.4.0> /usr/bin/python3 make_parity_reference.py
This script holds no e3nn code: it imports e3nn from PYTHONPATH. Scatter and radius_graph (torch_scatter /
torch_cluster, not available here) are written below in plain PyTorch, following those libraries' documented
semantics; see README.md.
"""
import json
import os
import sys

import torch
import e3nn
from e3nn import o3
from e3nn.math import soft_one_hot_linspace, soft_unit_step, normalize2mom
from e3nn.nn import FullyConnectedNet
from e3nn.util.jit import compile as e3nn_compile
from parity_common import enc, e3nn_commit

torch.set_num_threads(1)


out = {"meta": {
    "e3nn_version": e3nn.__version__, "e3nn_commit": e3nn_commit() or "cf17804342e3579147f588de7340d366c696a15b",
    "torch_version": torch.__version__, "python": sys.version.split()[0], "generator": "make_parity_reference.py",
    "blas": os.environ.get("LD_LIBRARY_PATH", ""), "threads": torch.get_num_threads(),
    "default_dtype": str(torch.get_default_dtype())}}

# --- e3nn.math.soft_one_hot_linspace: every basis, cutoff True/False, float64 and float32 ---
configs = [
    # (x, start, end, number): e3nn's docstring plot range (x avoids start: bessel divides by x - start)
    (torch.linspace(-1.0, 2.0, 11, dtype=torch.float64), -0.5, 1.5, 4),
    # a radial embedding of edge lengths (start 0, as NequIP / e3nn's examples)
    (torch.tensor([[0.3, 1.1, 2.5], [4.9, 5.6, 0.05]], dtype=torch.float64), 0.0, 5.0, 8),
]
cases = []
for ci, (x, start, end, number) in enumerate(configs):
    for basis in ["gaussian", "cosine", "smooth_finite", "fourier", "bessel"]:
        for cutoff in [True, False]:
            cases.append({"config": ci, "basis": basis, "cutoff": cutoff,
                          "float64": enc(soft_one_hot_linspace(x, start, end, number, basis, cutoff)),
                          "float32": enc(soft_one_hot_linspace(x.float(), start, end, number, basis, cutoff))})
out["soft_one_hot_linspace"] = {
    "configs": [{"x": enc(x), "start": s, "end": e, "number": n} for x, s, e, n in configs], "cases": cases}

# --- e3nn.math.soft_unit_step and its (custom autograd) gradient ---
x = torch.tensor([-1.0, -0.1, 0.0, 1e-3, 0.1, 0.5, 1.0, 3.0, 10.0], dtype=torch.float64, requires_grad=True)
y = soft_unit_step(x)
(g,) = torch.autograd.grad(y.sum(), x)
out["soft_unit_step"] = {"x": enc(x), "float64": enc(y), "grad_float64": enc(g),
                         "float32": enc(soft_unit_step(x.detach().float()))}

# --- e3nn.math.normalize2mom constants of activations not in gate.json ---
out["normalize2mom"] = [{"name": name, "cst": normalize2mom(f).cst, "is_id": normalize2mom(f)._is_id}
                        for name, f in [("cos", torch.cos), ("softsign", torch.nn.functional.softsign),
                                        ("elu", torch.nn.functional.elu), ("identity", lambda t: t)]]

# --- e3nn.nn.FullyConnectedNet: weights right after torch.manual_seed(0) (default dtype float32) ---
fc_cases = []
for hs, act_name, kwargs in [([4, 8, 8, 3], "silu", {}), ([3, 5, 2], None, {}),
                             ([2, 6, 4], "tanh", {"variance_in": 2, "variance_out": 3, "out_act": True}),
                             ([5, 1], "relu", {})]:
    act = {"silu": torch.nn.functional.silu, "tanh": torch.tanh, "relu": torch.relu, None: None}[act_name]
    torch.manual_seed(0)
    net = FullyConnectedNet(hs, act, **kwargs)
    torch.manual_seed(1)
    xin = torch.randn(6, hs[0], dtype=torch.float64)
    case = {"hs": hs, "act": act_name, "kwargs": kwargs, "repr": repr(net),
            "weights": [enc(getattr(net, f"layer{i}").weight) for i in range(len(hs) - 1)],
            "state_dict_keys": list(net.state_dict().keys()), "x": enc(xin),
            "float32": enc(net(xin.float())), "float32_e3nn_compiled": enc(e3nn_compile(net)(xin.float()))}
    net64 = FullyConnectedNet(hs, act, **kwargs).double()
    net64.load_state_dict({k: v.double() for k, v in net.state_dict().items()})
    case["float64"] = enc(net64(xin))
    fc_cases.append(case)
out["fully_connected_net"] = fc_cases


# --- graph helpers: plain PyTorch versions of torch_scatter.scatter and torch_cluster.radius_graph ---
def scatter(src, index, dim_size, reduce):
    shape = (dim_size,) + tuple(src.shape[1:])
    if reduce in ("sum", "mean"):
        total = torch.zeros(shape, dtype=src.dtype).index_add(0, index, src)
        if reduce == "sum":
            return total
        count = torch.zeros(dim_size, dtype=src.dtype).index_add(0, index, torch.ones(index.shape[0], dtype=src.dtype))
        return total / count.clamp(min=1).view((-1,) + (1,) * (src.dim() - 1))
    # max: empty segments are 0, as torch_scatter
    res = torch.zeros(shape, dtype=src.dtype)
    for i in range(dim_size):
        sel = src[index == i]
        if sel.shape[0] > 0:
            res[i] = sel.max(0).values
    return res


def radius_graph(pos, r, batch, max_num_neighbors):
    # torch_cluster.radius_graph(pos, r, batch, loop=False, max_num_neighbors, flow="source_to_target") with its
    # brute-force (CUDA) search order: for each centre i (ascending), the points j (ascending) with |p_j - p_i|^2 < r^2
    # in the same batch, the first max_num_neighbors + 1 of them kept (i itself counts), then i removed.
    # edge_index[0] = source j (neighbour), edge_index[1] = target i (centre).
    src, dst = [], []
    n = pos.shape[0]
    for i in range(n):
        found = []
        for j in range(n):
            if batch[j] != batch[i]:
                continue
            if float(((pos[j] - pos[i]) ** 2).sum()) < r * r:
                found.append(j)
            if len(found) >= max_num_neighbors + 1:
                break
        for j in found:
            if j != i:
                src.append(j)
                dst.append(i)
    return torch.tensor([src, dst], dtype=torch.int64)


torch.manual_seed(2)
src = torch.randn(7, 3, dtype=torch.float64)
index = torch.tensor([0, 2, 2, 4, 0, 2, 1])
out["scatter"] = {"src": enc(src), "index": enc(index), "dim_size": 6,
                  "sum": enc(scatter(src, index, 6, "sum")), "mean": enc(scatter(src, index, 6, "mean")),
                  "max": enc(scatter(src, index, 6, "max"))}
pos = torch.randn(12, 3, dtype=torch.float64) * 0.6
batch = torch.tensor([0] * 7 + [1] * 5)
out["radius_graph"] = {"pos": enc(pos), "batch": enc(batch), "r_max": 1.5, "cases": [
    {"max_num_neighbors": m, "edge_index": enc(radius_graph(pos, 1.5, batch, m))} for m in [32, 2]]}

# --- o3.spherical_harmonics (the functional form) on a batched input ---
v = torch.tensor([[[0.3, -0.2, 0.9], [1.0, 2.0, -0.5]], [[0.0, 0.0, 0.0], [-1.5, 0.4, 0.2]]], dtype=torch.float64)
out["spherical_harmonics"] = {"x": enc(v), "cases": [
    {"ls": ls, "normalize": nz, "normalization": nm, "float64": enc(o3.spherical_harmonics(ls, v, nz, nm)),
     "float32": enc(o3.spherical_harmonics(ls, v.float(), nz, nm))}
    for ls, nz, nm in [([0, 1, 2], True, "component"), ([3, 1], False, "norm"), (2, True, "integral")]]}

# --- Irrep / Irreps D_from_matrix, D_from_quaternion, D_from_axis_angle ---
# float64 under the float64 default dtype (e3nn builds its so3 generators in the default dtype), float32 under float32.
torch.manual_seed(3)
R = o3.rand_matrix(4, dtype=torch.float64)
R = torch.cat([R, -R[:2]])  # the last two include the inversion
q = o3.rand_quaternion(3, dtype=torch.float64)
axis, angle = o3.rand_axis_angle(3, dtype=torch.float64)
d_cases = []
for name in ["2x0e + 1x1o + 1x2e + 1x1e + 1x0o", "1o", "2e", "3o"]:
    entry = {"irreps": name}
    for dt, suffix in [(torch.float64, "float64"), (torch.float32, "float32")]:
        torch.set_default_dtype(dt)
        rep = o3.Irreps(name) if "x" in name else o3.Irrep(name)
        entry["matrix_" + suffix] = enc(rep.D_from_matrix(R.to(dt)))
        entry["quaternion_" + suffix] = enc(rep.D_from_quaternion(q.to(dt)))
        entry["quaternion_k1_" + suffix] = enc(rep.D_from_quaternion(q.to(dt), torch.ones(3, dtype=dt)))
        entry["axis_angle_" + suffix] = enc(rep.D_from_axis_angle(axis.to(dt), angle.to(dt)))
    torch.set_default_dtype(torch.float32)
    d_cases.append(entry)
out["d_from"] = {"matrix": enc(R), "quaternion": enc(q), "axis": enc(axis), "angle": enc(angle), "cases": d_cases}

# --- e3nn.nn.NormActivation (normalize=False is left out: e3nn 0.5.6 raises a TypeError for it, `not None > 0`) ---
from e3nn.nn import NormActivation
torch.manual_seed(4)
na_cases = []
for irreps, act_name, kwargs in [("2x0e + 1x1o + 2x2e", "sigmoid", {}), ("1x1o + 1x2e", "tanh", {}),
                                 ("3x1e", "silu", {"bias": True}), ("1x0e + 2x1o", "sigmoid", {"epsilon": 0.5})]:
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": torch.nn.functional.silu}[act_name]
    na = NormActivation(o3.Irreps(irreps), act, **kwargs)  # an Irreps: with bias=True e3nn 0.5.6 fails on a str
    if kwargs.get("bias"):
        with torch.no_grad():
            na.biases.copy_(torch.randn(na.biases.shape))
    x = na.irreps_in.randn(4, -1, dtype=torch.float64)
    x[1] = 0.0  # zero norms: the epsilon clamp (normalize) or f(0) (no normalize)
    case = {"irreps": irreps, "act": act_name, "kwargs": kwargs, "x": enc(x),
            "float64": enc(na.double()(x)), "float32": enc(na.float()(x.float()))}
    if kwargs.get("bias"):
        case["biases"] = enc(na.biases)
    na_cases.append(case)
out["norm_activation"] = na_cases

# --- e3nn.nn.BatchNorm: three training steps (outputs, running statistics after each), then evaluation ---
from e3nn.nn import BatchNorm
bn_cases = []
for irreps, kwargs, shape in [
        ("2x0e + 1x1o + 1x2e + 1x0o", {}, (5,)),
        ("1x0e + 2x1e + 1x2o", {"normalization": "norm", "reduce": "max", "affine": False}, (4, 3)),
        ("2x0e + 1x1o + 1x2e", {"instance": True, "include_bias": False}, (3, 4)),
        ("1x0e + 1x1o", {"momentum": 0.3, "eps": 1e-3, "normalization": "norm"}, (6, 2))]:
    torch.manual_seed(5)
    bn64 = BatchNorm(o3.Irreps(irreps), **kwargs).double()
    if bn64.affine:  # non-trivial learned parameters (e3nn initialises them to 1 and 0)
        with torch.no_grad():
            bn64.weight.copy_(1.0 + 0.5 * torch.rand(bn64.weight.shape, dtype=torch.float64))
            if bn64.include_bias:
                bn64.bias.copy_(torch.randn(bn64.bias.shape, dtype=torch.float64))
    bn32 = BatchNorm(o3.Irreps(irreps), **kwargs)
    bn32.load_state_dict({k: v.float() for k, v in bn64.state_dict().items()})
    case = {"irreps": irreps, "kwargs": kwargs, "repr": repr(bn64),
            "state_keys": sorted(bn64.state_dict().keys()), "initial": {k: enc(v) for k, v in bn64.state_dict().items()}}
    steps = []
    for step in range(3):
        x = (1.5 * torch.randn(*shape, bn64.irreps.dim, dtype=torch.float64) + 0.7)
        entry = {"x": enc(x), "float64": enc(bn64(x)), "float32": enc(bn32(x.float()))}
        if not bn64.instance:
            entry["running_mean_float64"] = enc(bn64.running_mean)
            entry["running_var_float64"] = enc(bn64.running_var)
            entry["running_mean_float32"] = enc(bn32.running_mean)
            entry["running_var_float32"] = enc(bn32.running_var)
        steps.append(entry)
    case["train_steps"] = steps
    bn64.eval()
    bn32.eval()
    x = 1.5 * torch.randn(*shape, bn64.irreps.dim, dtype=torch.float64) + 0.7
    case["eval"] = {"x": enc(x), "float64": enc(bn64(x)), "float32": enc(bn32(x.float()))}
    bn_cases.append(case)
out["batch_norm"] = bn_cases

# --- e3nn.nn.Dropout: the deterministic cases (p = 0 and p = 1 in training, evaluation); random masks are tested
# for their structure and statistics, not against these numbers ---
from e3nn.nn import Dropout
torch.manual_seed(6)
x = o3.Irreps("2x0e + 1x1o + 1x2e").randn(4, 3, -1, dtype=torch.float64)
do_cases = []
for p, train in [(0.0, True), (1.0, True), (0.3, False)]:
    do = Dropout(o3.Irreps("2x0e + 1x1o + 1x2e"), p)
    do.train(train)
    do_cases.append({"p": p, "training": train, "repr": repr(do), "float64": enc(do(x)), "float32": enc(do(x.float()))})
out["dropout"] = {"irreps": "2x0e + 1x1o + 1x2e", "x": enc(x), "cases": do_cases}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "parity.json"), "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
print("wrote parity.json")
