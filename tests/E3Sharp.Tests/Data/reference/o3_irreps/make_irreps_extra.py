"""Generates irreps_extra.json from the real e3nn 0.5.6 (see README.md next to this file).

Run with Debian's python3-torch 1.13:
  PYTHONPATH=<e3nn 0.5.6 + opt_einsum_fx 0.1.4 + opt_einsum 3.4.0 + packaging> /usr/bin/python3 make_irreps_extra.py > irreps_extra.json
"""
import json
import sys

import torch
import e3nn
from e3nn import o3

torch.set_num_threads(1)


def enc(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "data": [float(v) for v in t.reshape(-1).tolist()]}


out = {"meta": {"e3nn_version": e3nn.__version__, "torch_version": torch.__version__, "python": sys.version.split()[0],
                "generator": "make_irreps_extra.py"}}

# float64 default dtype so that e3nn's so3_generators (used by wigner_D) are float64
torch.set_default_dtype(torch.float64)
angles = torch.tensor([[0.0, 0.0, 0.0], [0.3, 1.1, -0.4], [2.5, 0.2, 5.9], [-7.0, 3.0, 1.0], [1.0, 4.0, 9.5]])
a, b, c = angles.unbind(-1)
k = torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0])
irrep_cases = []
for ir in ["0e", "0o", "1o", "1e", "2e", "2o", "3o"]:
    irrep_cases.append({"irrep": ir, "D": enc(o3.Irrep(ir).D_from_angles(a, b, c)),
                        "D_k": enc(o3.Irrep(ir).D_from_angles(a, b, c, k))})
irreps_cases = []
for irs in ["2x0e+1x1o+1x2e+1x0o", "1x1e+0x3o+2x1o", "1x0e"]:
    irreps_cases.append({"irreps": irs, "D": enc(o3.Irreps(irs).D_from_angles(a, b, c)),
                         "D_k": enc(o3.Irreps(irs).D_from_angles(a, b, c, k))})
out["D_from_angles"] = {"angles": angles.tolist(), "k": k.tolist(), "irrep": irrep_cases, "irreps": irreps_cases}

# randn RNG stream: torch.manual_seed(0) before each call
randn = []
for irs, size, normalization in [("2x0e+1x1o+1x2e", (3, -1, 2), "norm"), ("2x0e+1x1o+0x3e+1x2e", (4, -1), "norm"),
                                 ("2x0e+1x1o+1x2e", (3, -1, 2), "component")]:
    torch.manual_seed(0)
    x = o3.Irreps(irs).randn(*size, normalization=normalization, dtype=torch.float64)
    randn.append({"irreps": irs, "size": list(size), "normalization": normalization, "seed": 0, "float64": enc(x)})
out["randn_seed0"] = randn

json.dump(out, sys.stdout, indent=1)
