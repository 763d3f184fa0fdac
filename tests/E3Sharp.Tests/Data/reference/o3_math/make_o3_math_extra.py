"""Generates o3_math_extra.json from the real e3nn 0.5.6 (see README.md next to this file).

Run with Debian's python3-torch 1.13:  PYTHONPATH=<e3nn 0.5.6 + opt_einsum_fx 0.1.4 + opt_einsum 3.4.0> /usr/bin/python3 make_o3_math_extra.py
"""
import json
import math
import sys

import torch
import e3nn
from e3nn import o3

torch.set_num_threads(1)


def enc(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "data": [float(v) for v in t.reshape(-1).tolist()]}


out = {"meta": {"e3nn_version": e3nn.__version__, "torch_version": torch.__version__, "python": sys.version.split()[0],
                "generator": "make_o3_math_extra.py"}}

# --- spherical harmonics up to lmax = 11 (float64) ---
vectors = torch.tensor([[0, 0, 1], [1, 0, 0], [0, 10, 0], [0.435, 0.7644, 0.023], [-1.2, 0.5, 2.25],
                        [0.3, -2.0, -0.7], [-0.01, 0.02, -0.03], [5.0, 4.0, -3.0]], dtype=torch.float64)
sh = {"vectors": vectors.tolist(), "cases": []}
for ls, normalize, normalization in [(list(range(12)), True, "component"), (list(range(12)), False, "component"),
                                     ([11, 3, 0, 7], True, "integral"), ([10, 1, 1, 6], False, "norm")]:
    y = o3.spherical_harmonics(ls, vectors, normalize, normalization)
    sh["cases"].append({"ls": ls, "normalize": normalize, "normalization": normalization, "float64": enc(y),
                        "float32": enc(o3.spherical_harmonics(ls, vectors.float(), normalize, normalization))})
out["spherical_harmonics"] = sh

# --- Wigner D with float64 generators (default dtype float64 so that e3nn's so3_generators are float64) ---
torch.set_default_dtype(torch.float64)
angles = torch.tensor([[0.0, 0.0, 0.0], [0.3, 1.1, -0.4], [2.5, 0.2, 5.9], [-7.0, 3.0, 1.0], [1.0, 4.0, 9.5]])
a, b, c = angles.unbind(-1)
out["wigner_D"] = {"angles": angles.tolist(), "cases": [{"l": l, "float64": enc(o3.wigner_D(l, a, b, c))} for l in range(6)]}
out["so3_generators"] = [{"l": l, "float64": enc(o3.so3_generators(l))} for l in range(4)]

# --- Wigner 3j beyond l = 3 ---
triples = [(4, 4, 4), (5, 3, 2), (2, 3, 5), (6, 5, 4), (4, 2, 6), (7, 4, 3), (1, 5, 5)]
out["wigner_3j"] = [{"l1": l1, "l2": l2, "l3": l3, "float64": enc(o3.wigner_3j(l1, l2, l3, dtype=torch.float64))}
                    for l1, l2, l3 in triples]

# --- rotations ---
R = o3.angles_to_matrix(a, b, c)
out["rotations"] = {
    "angles": angles.tolist(),
    "angles_to_matrix": enc(R),
    "matrix_to_angles": [enc(t) for t in o3.matrix_to_angles(R)],
    "angles_to_xyz": enc(o3.angles_to_xyz(a, b)),
    "xyz_to_angles_input": vectors.tolist(),
    "xyz_to_angles": [enc(t) for t in o3.xyz_to_angles(vectors)],
    "angles_to_quaternion": enc(o3.angles_to_quaternion(a, b, c)),
    "quaternion_to_matrix": enc(o3.quaternion_to_matrix(o3.angles_to_quaternion(a, b, c))),
    "matrix_to_quaternion": enc(o3.matrix_to_quaternion(R[1:])),
    "compose_angles": [enc(t) for t in o3.compose_angles(a, b, c, a.flip(0), b.flip(0), c.flip(0))],
}
rand = {}
for dt in [torch.float32, torch.float64]:
    torch.manual_seed(0)
    rand[str(dt).replace("torch.", "")] = [enc(t) for t in o3.rand_angles(4, dtype=dt)]
out["rand_angles_seed0_shape4"] = rand

json.dump(out, sys.stdout, indent=1)
