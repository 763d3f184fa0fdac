"""Generates parity_s2.json from the real e3nn 0.5.6: the S2 / SO3 family (see README.md next to this file).

Run with Debian's python3-torch 1.13 and netlib BLAS, one thread:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack \
  PYTHONPATH=<e3nn 0.5.6>:<opt_einsum_fx 0.1.4>:<opt_einsum 3.4.0> /usr/bin/python3 make_parity_s2.py
This script holds no e3nn code: it imports e3nn from PYTHONPATH.

e3nn builds the grids' constants (s2_grid, Legendre, Wigner D) in the *default* dtype, so every float64 case is made
under torch.set_default_dtype(torch.float64) and every float32 case under float32, from the same float64 inputs.
"""
import json
import math
import os
import sys

import torch
import e3nn
from e3nn import o3
from e3nn.o3 import _s2grid
from e3nn.nn import S2Activation, SO3Activation
from parity_common import enc, e3nn_commit

torch.set_num_threads(1)


def both(make):
    """make(dtype) under that default dtype, for float64 and float32."""
    res = {}
    for name, dt in [("float64", torch.float64), ("float32", torch.float32)]:
        torch.set_default_dtype(dt)
        try:
            res[name] = enc(make(dt))
        finally:
            torch.set_default_dtype(torch.float32)
    return res


out = {"meta": {
    "e3nn_version": e3nn.__version__, "e3nn_commit": e3nn_commit() or "cf17804342e3579147f588de7340d366c696a15b",
    "torch_version": torch.__version__, "python": sys.version.split()[0], "generator": "make_parity_s2.py",
    "blas": os.environ.get("LD_LIBRARY_PATH", ""), "threads": torch.get_num_threads(),
    "default_dtype": "float64 for the float64 cases, float32 for the float32 ones"}}

# --- angles: alpha, beta [2, 3] (beta in (0, pi), both ends included nearly) ---
torch.manual_seed(10)
alpha = torch.rand(2, 3, dtype=torch.float64) * 2 * math.pi
beta = torch.rand(2, 3, dtype=torch.float64) * math.pi
beta[0, 0] = 1e-3
beta[1, 2] = math.pi - 1e-3
out["angles"] = {"alpha": enc(alpha), "beta": enc(beta)}

# --- Legendre(ls)(z = cos(beta), y = |sin(beta)|) ---
leg = []
for ls in [[0, 1, 2, 3], [5, 2], [7]]:
    m = o3.Legendre(ls)
    leg.append({"ls": ls, **both(lambda dt: m(beta.cos().to(dt), beta.sin().abs().to(dt)))})
out["legendre"] = leg

# --- spherical_harmonics_alpha(l, alpha) ---
out["sh_alpha"] = [{"l": l, **both(lambda dt: o3.spherical_harmonics_alpha(l, alpha.to(dt)))} for l in [0, 1, 4]]

# --- SphericalHarmonicsAlphaBeta / spherical_harmonics_alpha_beta ---
shab = []
for ls, norm in [([0, 1, 2, 3], "integral"), ([2, 1], "component"), ("1x0e + 2x1o + 1x3e", "norm"), (4, "integral")]:
    l_arg = o3.Irreps(ls) if isinstance(ls, str) else ls
    case = {"ls": ls, "normalization": norm,
            **both(lambda dt: o3.spherical_harmonics_alpha_beta(l_arg, alpha.to(dt), beta.to(dt), normalization=norm))}
    # the same directions through the cartesian spherical harmonics (a cross-check inside e3nn)
    shab.append(case)
out["sh_alpha_beta"] = shab

# --- s2_grid, _quadrature_weights, spherical_harmonics_s2_grid, _expand_matrix ---
grid = {}
for rb, ra in [(4, 5), (6, 10)]:
    b, a = o3.s2_grid(rb, ra, dtype=torch.float64)
    grid[f"{rb}x{ra}"] = {"betas": enc(b), "alphas": enc(a)}
out["s2_grid"] = grid
# _quadrature_weights computes in the default dtype whatever its dtype argument: float64 default here
torch.set_default_dtype(torch.float64)
out["quadrature_weights"] = [{"b": b, "float64": enc(_s2grid._quadrature_weights(b, dtype=torch.float64))}
                             for b in [1, 3, 5]]
torch.set_default_dtype(torch.float32)
_, _, shb, sha = o3.spherical_harmonics_s2_grid(3, 8, 7, dtype=torch.float64)
out["sh_s2_grid"] = {"lmax": 3, "res_beta": 8, "res_alpha": 7, "shb": enc(shb), "sha": enc(sha)}
out["expand_matrix"] = {"ls": [0, 2, 1], "float64": enc(_s2grid._expand_matrix([0, 2, 1], dtype=torch.float64))}
torch.manual_seed(11)
xr = torch.randn(2, 3, 9, dtype=torch.float64)
xi = torch.randn(2, 7, dtype=torch.float64)
out["rfft"] = {"l": 3, "x": enc(xr), "float64": enc(o3.rfft(xr, 3))}
out["irfft"] = {"res": 11, "x": enc(xi), "float64": enc(o3.irfft(xi, 11))}

# --- ToS2Grid / FromS2Grid ---
torch.manual_seed(12)
to_cases = []
for lmax, res, norm in [(3, None, "component"), (2, (6, 10), "integral"), (3, (8, 9), "norm"), (1, 6, "integral")]:
    x = torch.randn(2, (lmax + 1) ** 2, dtype=torch.float64)
    torch.set_default_dtype(torch.float64)
    m = o3.ToS2Grid(lmax, res, normalization=norm)
    torch.set_default_dtype(torch.float32)
    case = {"lmax": lmax, "res": res, "normalization": norm, "repr": repr(m), "res_beta": m.res_beta,
            "res_alpha": m.res_alpha, "x": enc(x), "grid": enc(m.grid),
            **both(lambda dt: o3.ToS2Grid(lmax, res, normalization=norm)(x.to(dt)))}
    to_cases.append(case)
out["to_s2_grid"] = to_cases

from_cases = []
for res, lmax, norm, lmax_in in [((8, 7), 3, "component", None), ((6, 10), 2, "integral", None),
                                 ((8, 9), 2, "norm", 3), (6, None, "component", None)]:
    torch.set_default_dtype(torch.float64)
    m = o3.FromS2Grid(res, lmax, normalization=norm, lmax_in=lmax_in)
    torch.set_default_dtype(torch.float32)
    x = torch.randn(2, m.res_beta, m.res_alpha, dtype=torch.float64)
    case = {"res": res, "lmax": lmax, "normalization": norm, "lmax_in": lmax_in, "repr": repr(m),
            "lmax_resolved": m.lmax, "res_beta": m.res_beta, "res_alpha": m.res_alpha, "x": enc(x),
            **both(lambda dt: o3.FromS2Grid(res, lmax, normalization=norm, lmax_in=lmax_in)(x.to(dt)))}
    from_cases.append(case)
out["from_s2_grid"] = from_cases

# --- nn.S2Activation ---
acts = {"tanh": torch.tanh, "silu": torch.nn.functional.silu, "sigmoid": torch.sigmoid, "relu": torch.relu}
torch.manual_seed(13)
s2_cases = []
for irreps, act, res, norm, lmax_out in [("1x0e + 1x1o + 1x2e", "tanh", 20, "component", None),
                                         ("1x0e + 1x1e + 1x2e + 1x3e", "silu", 16, "norm", 2),
                                         ("1x0o + 1x1e + 1x2o", "tanh", 18, "component", 3),
                                         ("1x0e + 1x1o", "relu", 12, "component", 2)]:
    ir = o3.Irreps(irreps)
    x = ir.randn(3, -1, dtype=torch.float64)
    def run(dt):
        m = S2Activation(ir, acts[act], res, normalization=norm, lmax_out=lmax_out)
        return m(x.to(dt))
    m = S2Activation(ir, acts[act], res, normalization=norm, lmax_out=lmax_out)
    s2_cases.append({"irreps": irreps, "act": act, "res": res, "normalization": norm, "lmax_out": lmax_out,
                     "repr": repr(m), "irreps_out": str(m.irreps_out), "cst": m.act.cst, "x": enc(x), **both(run)})
out["s2_activation"] = s2_cases

# --- o3.SO3Grid and nn.SO3Activation ---
torch.manual_seed(14)
so3_grid = []
for lmax, resolution, aspect in [(2, 3, 2), (1, 2, 1)]:
    dim = sum((2 * l + 1) ** 2 for l in range(lmax + 1))
    x = torch.randn(2, dim, dtype=torch.float64)
    torch.set_default_dtype(torch.float64)
    g = o3.SO3Grid(lmax, resolution, aspect_ratio=aspect)
    torch.set_default_dtype(torch.float32)
    f = torch.randn(2, g.res_alpha, g.res_beta, g.res_gamma, dtype=torch.float64)
    def to_grid(dt):
        return o3.SO3Grid(lmax, resolution, aspect_ratio=aspect).to_grid(x.to(dt))
    def from_grid(dt):
        return o3.SO3Grid(lmax, resolution, aspect_ratio=aspect).from_grid(f.to(dt))
    so3_grid.append({"lmax": lmax, "resolution": resolution, "aspect_ratio": aspect,
                     "shape": [g.res_alpha, g.res_beta, g.res_gamma], "x": enc(x), "f": enc(f),
                     "qw": enc(g.qw), "to_grid": both(to_grid), "from_grid": both(from_grid)})
out["so3_grid"] = so3_grid

so3_cases = []
for lmax_in, lmax_out, act, resolution, aspect in [(2, 2, "tanh", 4, 2), (1, 2, "silu", 3, 1), (2, 1, "sigmoid", 3, 3)]:
    dim = sum((2 * l + 1) ** 2 for l in range(lmax_in + 1))
    x = torch.randn(3, dim, dtype=torch.float64)
    def run(dt):
        return SO3Activation(lmax_in, lmax_out, acts[act], resolution, aspect_ratio=aspect)(x.to(dt))
    m = SO3Activation(lmax_in, lmax_out, acts[act], resolution, aspect_ratio=aspect)
    so3_cases.append({"lmax_in": lmax_in, "lmax_out": lmax_out, "act": act, "resolution": resolution,
                      "aspect_ratio": aspect, "repr": repr(m), "cst": m.act.cst, "x": enc(x), **both(run)})
out["so3_activation"] = so3_cases

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "parity_s2.json"), "w") as fh:
    json.dump(out, fh, indent=None, separators=(",", ":"))
print("wrote parity_s2.json")
