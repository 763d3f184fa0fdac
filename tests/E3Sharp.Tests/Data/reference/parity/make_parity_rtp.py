"""Generates parity_rtp.json from the real e3nn 0.5.6 (see README.md next to this file, section parity_rtp.json).

Run with Debian's python3-torch 1.13 and netlib BLAS, one thread:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack \
  PYTHONPATH=<e3nn 0.5.6>:<opt_einsum_fx 0.1.4>:<opt_einsum 3.4.0> /usr/bin/python3 make_parity_rtp.py
This script holds no e3nn code: it imports e3nn from PYTHONPATH.
"""
import json
import os
import sys

import torch
import e3nn
from e3nn import o3
from e3nn.io import CartesianTensor
from e3nn.math import complete_basis, direct_sum, germinate_formulas, orthonormalize, reduce_permutation
from parity_common import enc, e3nn_commit, with_default

torch.set_num_threads(1)


out = {"meta": {
    "e3nn_version": e3nn.__version__, "e3nn_commit": e3nn_commit() or "cf17804342e3579147f588de7340d366c696a15b",
    "torch_version": torch.__version__, "python": sys.version.split()[0], "generator": "make_parity_rtp.py",
    "blas": os.environ.get("LD_LIBRARY_PATH", ""), "threads": torch.get_num_threads()}}


# --- e3nn.math linear algebra (float64) ---
g = torch.Generator().manual_seed(10)
a = torch.randn(3, 5, dtype=torch.float64, generator=g)
orig = torch.cat([a, (a[0] + 2 * a[1])[None], torch.zeros(1, 5, dtype=torch.float64), a[2:3] * -3.0])  # dependent rows
final, matrix = orthonormalize(orig, 1e-9)
out["orthonormalize"] = {"input": enc(orig), "final": enc(final), "matrix": enc(matrix)}
vecs = torch.randn(2, 5, dtype=torch.float64, generator=g)
out["complete_basis"] = {"input": enc(vecs), "output": enc(complete_basis(vecs, 1e-9))}
m1 = torch.randn(2, 2, 3, dtype=torch.float64, generator=g)
m2 = torch.randn(2, 1, 2, dtype=torch.float64, generator=g)
out["direct_sum"] = {"a": enc(m1), "b": enc(m2), "output": enc(direct_sum(m1, m2))}

# --- germinate_formulas / reduce_permutation ---
perm_cases = []
for formula, dims in [("ij=-ji", {"i": 2}), ("ij=ji", {"i": 3}), ("ijk=jik=ikj", {"i": 2}), ("ijk=-jki", {"i": 2}),
                      ("ij", {"i": 2, "j": 3}), ("ijkl=jikl=klij", {"i": 2})]:
    f0, formulas = germinate_formulas(formula)
    Q, ret = reduce_permutation(f0, formulas, dtype=torch.float64, **dims)
    perm_cases.append({"formula": formula, "dims": dims, "f0": f0,
                       "formulas": sorted([[s, list(p)] for s, p in formulas]),
                       "Q": enc(Q), "ret": [[[s, list(x)] for s, x in xs] for xs in ret]})
out["reduce_permutation"] = perm_cases

# --- o3.ReducedTensorProducts ---
rtp_cases = [
    ("ij=-ji", {"i": "1o"}, {}),
    ("ij=ji", {"i": "1o"}, {}),
    ("ij=ji", {"i": "2x1o"}, {}),
    ("ij", {"i": "0e+1o", "j": "1e+2o"}, {}),
    ("ijk=jik=ikj", {"i": "1o"}, {}),
    ("ijk=jik", {"i": "0e+1o", "k": "1e"}, {"filter_ir_out": ["1o", "1e", "2e"]}),
    ("ijk=-jik", {"i": "1o", "k": "1o"}, {"filter_ir_mid": ["1e", "1o", "2o"]}),
    ("ijkl=jikl=ikjl=ijlk", {"i": "1e"}, {}),
    ("ijkl=jikl=klij", {"i": "1o"}, {}),
]
rtps = []
for ci, (formula, irreps, kw) in enumerate(rtp_cases):
    t64 = with_default(torch.float64, lambda: o3.ReducedTensorProducts(formula, **kw, **irreps))
    t32 = with_default(torch.float32, lambda: o3.ReducedTensorProducts(formula, **kw, **irreps))
    gen = torch.Generator().manual_seed(100 + ci)
    xs = [torch.randn(2, ir.dim, dtype=torch.float64, generator=gen) for ir in t64.irreps_in]
    rtps.append({
        "formula": formula, "irreps": irreps,
        "filter_ir_out": kw.get("filter_ir_out"), "filter_ir_mid": kw.get("filter_ir_mid"),
        "irreps_in": [str(x) for x in t64.irreps_in], "irreps_out": str(t64.irreps_out), "repr": repr(t64),
        "change_of_basis": enc(t64.change_of_basis), "change_of_basis_float32": enc(t32.change_of_basis),
        "xs": [enc(x) for x in xs],
        "float64": enc(t64(*xs)), "float32": enc(t32(*[x.float() for x in xs]))})
out["reduced_tensor_products"] = rtps

# --- io.CartesianTensor ---
carts = []
gen = torch.Generator().manual_seed(200)
for formula in ["ij=ji", "ij=-ji", "ijk=-jik=-ikj", "ij", "ijk=jik", "ijkl=jikl=klij"]:
    ct = CartesianTensor(formula)
    n = len(ct.indices)
    data = torch.randn(2, *([3] * n), dtype=torch.float64, generator=gen)
    vecs = [torch.randn(2, 3, dtype=torch.float64, generator=gen) for _ in range(n)]
    # e3nn builds the change of basis in the default dtype and casts it to the data's: float64 under float64
    f64 = with_default(torch.float64, lambda: ct.from_cartesian(data))
    f32 = ct.from_cartesian(data.float())
    carts.append({"formula": formula, "irreps": str(ct), "indices": ct.indices, "data": enc(data),
                  "from_float64": enc(f64), "from_float32": enc(f32),
                  "to_float64": enc(with_default(torch.float64, lambda: ct.to_cartesian(f64))),
                  "to_float32": enc(ct.to_cartesian(f32)), "vectors": [enc(v) for v in vecs],
                  "from_vectors_float64": enc(with_default(torch.float64, lambda: ct.from_vectors(*vecs)))})
# the docstring example: t = arange(9) as a 3x3 matrix
ct = CartesianTensor("ij=ji")
t = torch.arange(9).to(torch.float).view(3, 3)
out["cartesian_docstring"] = {"t": enc(t), "from": enc(ct.from_cartesian(t)),
                              "to": enc(ct.to_cartesian(ct.from_cartesian(t)))}
out["cartesian_tensor"] = carts

# --- rotation helpers ---
torch.manual_seed(7)
axis, angle = o3.rand_axis_angle(4, dtype=torch.float64)
gen = torch.Generator().manual_seed(300)
a1 = torch.randn(5, 3, dtype=torch.float64, generator=gen)
t1 = torch.randn(5, dtype=torch.float64, generator=gen)
a2 = torch.randn(5, 3, dtype=torch.float64, generator=gen)
t2 = torch.randn(5, dtype=torch.float64, generator=gen)
ca, cb = o3.compose_axis_angle(a1 / a1.norm(dim=-1, keepdim=True), t1, a2 / a2.norm(dim=-1, keepdim=True), t2)
out["rotations"] = {
    "rand_axis_angle_seed7": {"axis": enc(axis), "angle": enc(angle)},
    "compose_axis_angle": {"axis1": enc(a1 / a1.norm(dim=-1, keepdim=True)), "angle1": enc(t1),
                           "axis2": enc(a2 / a2.norm(dim=-1, keepdim=True)), "angle2": enc(t2),
                           "axis": enc(ca), "angle": enc(cb)},
    "su2_generators": [{"j": j, "real": enc(o3.su2_generators(j).real.to(torch.float64)),
                        "imag": enc(o3.su2_generators(j).imag.to(torch.float64))} for j in [0, 0.5, 1, 1.5, 2]],
}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "parity_rtp.json"), "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
print("wrote parity_rtp.json")
