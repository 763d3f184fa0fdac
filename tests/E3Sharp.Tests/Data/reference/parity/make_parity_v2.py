"""Generates parity_v2.json from the real e3nn 0.5.6 (see README.md next to this file, section parity_v2.json):
o3.experimental's FullTensorProductv2 / ElementwiseTensorProductv2 and io.SphericalTensor.

Run with Debian's python3-torch 1.13 (and python3-scipy, which e3nn.io imports) and netlib BLAS, one thread:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack \
  PYTHONPATH=<e3nn 0.5.6>:<opt_einsum_fx 0.1.4>:<opt_einsum 3.4.0> /usr/bin/python3 make_parity_v2.py
This script holds no e3nn code: it imports e3nn from PYTHONPATH.
"""
import json
import os
import sys

import torch
import e3nn
from e3nn import o3
from e3nn.io import SphericalTensor
from e3nn.o3.experimental import ElementwiseTensorProductv2, FullTensorProductv2
from parity_common import enc, e3nn_commit, with_default

torch.set_num_threads(1)

out = {"meta": {
    "e3nn_version": e3nn.__version__, "e3nn_commit": e3nn_commit() or "cf17804342e3579147f588de7340d366c696a15b",
    "torch_version": torch.__version__, "python": sys.version.split()[0], "generator": "make_parity_v2.py",
    "blas": os.environ.get("LD_LIBRARY_PATH", ""), "threads": torch.get_num_threads()}}


def error_of(f):
    try:
        f()
        return None
    except Exception as e:  # noqa: BLE001
        return type(e).__name__


# --- o3.experimental: FullTensorProductv2, ElementwiseTensorProductv2 ---
# (irreps1, irreps2, kwargs, shape of input 1's leading dims, shape of input 2's leading dims)
full_cases = [
    ("1x1o + 2x0e + 1x1o", "1x2e + 1x0e", {}, [4], [4]),                       # regrouped: 2x0e+2x1o x 1x0e+1x2e
    ("2x0e + 1x1o + 1x2e", "1x0o + 2x1e", {"irrep_normalization": "norm"}, [4], [4]),
    ("1x1o + 2x0e", "1x1e + 1x0o", {"regroup_output": False}, [4], [4]),     # unsorted inputs kept as given
    ("3x1o + 1x2e", "2x1o + 1x0e", {"filter_ir_out": ["0e", "1e", "2e"]}, [2, 3], [3]),  # broadcast leading dims
    ("1x0e + 1x1o + 1x2e + 1x3o", "1x1o + 1x2e", {"filter_ir_out": ["1o", "3o"], "irrep_normalization": "norm",
                                                  "regroup_output": False}, [3], [3]),
]
elementwise_cases = [
    ("2x0e + 1x1o", "1x1e + 1x0e + 1x2o", {}, [4], [4]),                       # aligned: 1x0e+1x0e+1x1o
    ("1x1o + 2x2e", "3x1e", {"irrep_normalization": "norm"}, [4], [4]),
    ("1x0e + 2x1o + 1x2e", "2x1o + 1x1e + 1x0e", {"filter_ir_out": ["0e", "1o", "1e", "2e"]}, [2, 3], [3]),
]


def tp_case(cls, ci, irreps1, irreps2, kw, lead1, lead2):
    kwargs = dict(kw)
    if "filter_ir_out" in kwargs:
        kwargs["filter_ir_out"] = o3.Irreps(" + ".join(kwargs["filter_ir_out"]))
    m64 = with_default(torch.float64, lambda: cls(o3.Irreps(irreps1), o3.Irreps(irreps2), **kwargs))
    m32 = with_default(torch.float32, lambda: cls(o3.Irreps(irreps1), o3.Irreps(irreps2), **kwargs))
    gen = torch.Generator().manual_seed(400 + ci)
    x = torch.randn(*lead1, m64.irreps_in1.dim, dtype=torch.float64, generator=gen)
    y = torch.randn(*lead2, m64.irreps_in2.dim, dtype=torch.float64, generator=gen)
    return {"irreps1": irreps1, "irreps2": irreps2, "filter_ir_out": kw.get("filter_ir_out"),
            "irrep_normalization": kw.get("irrep_normalization", "component"),
            "regroup_output": kw.get("regroup_output", True),
            "irreps_in1": str(m64.irreps_in1), "irreps_in2": str(m64.irreps_in2), "irreps_out": str(m64.irreps_out),
            "x": enc(x), "y": enc(y), "float64": enc(m64(x, y)), "float32": enc(m32(x.float(), y.float()))}


out["full_tensor_product_v2"] = [tp_case(FullTensorProductv2, i, *c) for i, c in enumerate(full_cases)]
out["elementwise_tensor_product_v2"] = [tp_case(ElementwiseTensorProductv2, 10 + i, *c)
                                        for i, c in enumerate(elementwise_cases)]


def run_dup(cls, a, b, **kw):
    m = cls(o3.Irreps(a), o3.Irreps(b), **kw)
    m(m.irreps_in1.randn(2, -1), m.irreps_in2.randn(2, -1))


# e3nn keys its paths by (l1, p1, l2, p2, l_out, p_out) in a dict: a repeated key overwrites a path, and forward then
# fails; recorded so that the docs' claim stays checked.
out["v2_repeated_paths"] = [
    {"module": "FullTensorProductv2", "irreps1": "1x0e + 1x1o + 1x0e", "irreps2": "1x0e", "regroup_output": False,
     "error": error_of(lambda: run_dup(FullTensorProductv2, "1x0e + 1x1o + 1x0e", "1x0e", regroup_output=False))},
    {"module": "ElementwiseTensorProductv2", "irreps1": "2x0e", "irreps2": "1x1o + 1x1o", "regroup_output": None,
     "error": error_of(lambda: run_dup(ElementwiseTensorProductv2, "2x0e", "1x1o + 1x1o"))},
]

# --- io.SphericalTensor ---
st = {}
st["irreps"] = [{"lmax": lmax, "p_val": pv, "p_arg": pa, "irreps": str(SphericalTensor(lmax, pv, pa))}
                for lmax, pv, pa in [(3, 1, 1), (3, 1, -1), (4, -1, 1), (2, -1, -1), (0, 1, -1)]]

# with_peaks_at: the docstring's peaks, with and without values, and a zero vector (dropped). Its least squares
# (torch.linalg.lstsq) differs between runs (float64 by ~1e-15, float32 by up to 4e-7), which would break
# byte-for-byte regeneration: float64 only, stored rounded to 1e-12 (`fixed`); the tests compare float32 results with
# these values.
def fixed(t):
    return torch.round(t * 1e12) / 1e12


peaks = []
for dtype in [torch.float64]:
    s = SphericalTensor(4, 1, -1)
    pos = torch.tensor([[1.0, 0.0, 0.0], [3.0, 4.0, 0.0]], dtype=dtype)
    val = torch.tensor([-1.5, 2.0], dtype=dtype)
    pos3 = torch.tensor([[0.0, 0.0, 2.0], [0.0, 0.0, 0.0], [-1.0, 1.0, 0.5]], dtype=dtype)
    x1 = with_default(dtype, lambda: s.with_peaks_at(pos))
    x2 = with_default(dtype, lambda: s.with_peaks_at(pos, val))
    x3 = with_default(dtype, lambda: s.with_peaks_at(pos3))
    peaks.append({"dtype": str(dtype).replace("torch.", ""), "lmax": 4, "p_val": 1, "p_arg": -1,
                  "pos": enc(pos), "val": enc(val), "pos3": enc(pos3),
                  "peaks": enc(fixed(x1)), "peaks_values": enc(fixed(x2)), "peaks_zero": enc(fixed(x3)),
                  "signal_at_pos": enc(fixed(with_default(dtype, lambda: s.signal_xyz(x2, pos))))})
st["with_peaks_at"] = peaks

# sum_of_diracs: the docstring (lmax 7) and a broadcast batch
gen = torch.Generator().manual_seed(500)
s = SphericalTensor(7, 1, -1)
pos = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=torch.float64)
val = torch.tensor([-1.0, 1.0], dtype=torch.float64)
bpos = torch.randn(1, 3, 2, 3, dtype=torch.float64, generator=gen)
bval = torch.randn(2, 1, 1, dtype=torch.float64, generator=gen)
s3 = SphericalTensor(3, 1, 1)
st["sum_of_diracs"] = {
    "lmax": 7, "p_val": 1, "p_arg": -1, "pos": enc(pos), "val": enc(val),
    "float64": enc(s.sum_of_diracs(pos, val)), "float32": enc(s.sum_of_diracs(pos.float(), val.float())),
    "on_axes": enc(s.signal_xyz(s.sum_of_diracs(pos, val), torch.eye(3, dtype=torch.float64))),
    "batch_lmax": 3, "batch_p_val": 1, "batch_p_arg": 1, "batch_pos": enc(bpos), "batch_val": enc(bval),
    "batch_float64": enc(s3.sum_of_diracs(bpos, bval)),
    "batch_float32": enc(s3.sum_of_diracs(bpos.float(), bval.float()))}

# from_samples_on_s2: the docstring (res 200, float64) and random samples (res 30), float64 and float32; under the
# matching default dtype (e3nn's _quadrature_weights computes in it: float32 precision even for a float64 grid)
s = SphericalTensor(2, 1, 1)
dpos = torch.tensor([[[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]], [[0.0, 1.0, 0.0], [0.0, -1.0, 0.0]]], dtype=torch.float64)
dval = torch.tensor([[1.0, -1.0], [1.0, -1.0]], dtype=torch.float64)
gen = torch.Generator().manual_seed(501)
rpos = torch.randn(2, 3, 5, 3, dtype=torch.float64, generator=gen)
rval = torch.randn(2, 3, 5, dtype=torch.float64, generator=gen)
s4 = SphericalTensor(4, 1, -1)
st["from_samples_on_s2"] = {
    "lmax": 2, "p_val": 1, "p_arg": 1, "pos": enc(dpos), "val": enc(dval), "res": 200,
    "float64": enc(with_default(torch.float64, lambda: s.from_samples_on_s2(dpos, dval, res=200))),
    "random_lmax": 4, "random_p_val": 1, "random_p_arg": -1, "random_pos": enc(rpos), "random_val": enc(rval),
    "random_res": 30,
    "random_float64": enc(with_default(torch.float64, lambda: s4.from_samples_on_s2(rpos, rval, res=30))),
    "random_float32": enc(with_default(torch.float32, lambda: s4.from_samples_on_s2(rpos.float(), rval.float(), 30)))}

# norms, signal_xyz
gen = torch.Generator().manual_seed(502)
s = SphericalTensor(1, 1, -1)
s3 = SphericalTensor(3, 1, -1)
nsig = torch.randn(2, 3, s3.dim, dtype=torch.float64, generator=gen)
xsig = torch.randn(2, 1, 3, s3.dim, dtype=torch.float64, generator=gen)
xr = torch.randn(2, 4, 3, dtype=torch.float64, generator=gen)
st["norms"] = {"docstring": enc(s.norms(torch.tensor([1.5, 0.0, 3.0, 4.0], dtype=torch.float64))),
               "lmax": 3, "p_val": 1, "p_arg": -1, "signal": enc(nsig), "float64": enc(s3.norms(nsig))}
st["signal_xyz"] = {"lmax": 3, "p_val": 1, "p_arg": -1, "signal": enc(xsig), "r": enc(xr),
                    "float64": enc(s3.signal_xyz(xsig, xr)), "float32": enc(s3.signal_xyz(xsig.float(), xr.float()))}

# signal_on_grid and plot (e3nn builds its ToS2Grid in the default dtype: each dtype under its own default)
gen = torch.Generator().manual_seed(503)
s = SphericalTensor(3, 1, 1)
gsig = torch.randn(2, s.dim, dtype=torch.float64, generator=gen)
grid_cases = []
for res, normalization in [(10, "integral"), (12, "component")]:
    e = {"res": res, "normalization": normalization}
    for dtype in [torch.float64, torch.float32]:
        g, v = with_default(dtype, lambda: s.signal_on_grid(gsig.to(dtype), res, normalization))
        e[str(dtype).replace("torch.", "")] = {"grid": enc(g), "values": enc(v)}
    grid_cases.append(e)
plot = {}
for dtype in [torch.float64, torch.float32]:
    center = torch.tensor([1.0, -2.0, 0.5], dtype=dtype)
    r, f = with_default(dtype, lambda: s.plot(gsig[0].to(dtype), center, 10, True, True, "integral"))
    r2, f2 = with_default(dtype, lambda: s.plot(gsig[1].to(dtype), None, 8, False, False, "norm"))
    plot[str(dtype).replace("torch.", "")] = {"r": enc(r), "f": enc(f), "r2": enc(r2), "f2": enc(f2)}
st["signal_on_grid"] = {"lmax": 3, "p_val": 1, "p_arg": 1, "signal": enc(gsig), "cases": grid_cases, "plot": plot}

# find_peaks: the docstring and a random signal (e3nn returns the peaks of a set's order: stored as it gives them)
fp = []
s = SphericalTensor(4, 1, -1)
for dtype in [torch.float64, torch.float32]:
    pos = torch.tensor([[4.0, 0.0, 4.0], [0.0, 5.0, 0.0]], dtype=torch.float64)
    x = fixed(s.with_peaks_at(pos)).to(dtype)  # float64 least squares, rounded (see with_peaks_at above)
    p, v = with_default(dtype, lambda: s.find_peaks(x))
    gen = torch.Generator().manual_seed(504)
    rsig = torch.randn(s.dim, dtype=torch.float64, generator=gen).to(dtype)
    rp, rv = with_default(dtype, lambda: s.find_peaks(rsig, 40))
    fp.append({"dtype": str(dtype).replace("torch.", ""), "signal": enc(x), "pos": enc(p), "val": enc(v),
               "random_signal": enc(rsig), "random_res": 40, "random_pos": enc(rp), "random_val": enc(rv)})
st["find_peaks"] = {"lmax": 4, "p_val": 1, "p_arg": -1, "cases": fp}
out["spherical_tensor"] = st

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "parity_v2.json"), "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
print("wrote parity_v2.json")
