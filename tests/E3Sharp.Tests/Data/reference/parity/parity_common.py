"""Helpers shared by the make_parity_*.py scripts: the JSON encoding of tensors that the C# tests read
(tests/E3Sharp.Tests/Reference.cs), the e3nn commit for provenance, and running under a default dtype."""
import os
import subprocess

import torch
import e3nn


def enc(t):
    t = t.detach().contiguous()
    dtype = str(t.dtype).replace("torch.", "")
    if dtype in ("int64", "int32"):
        data = [int(v) for v in t.reshape(-1).tolist()]
    elif dtype == "bool":
        data = [bool(v) for v in t.reshape(-1).tolist()]
    else:
        data = [float(v) for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "dtype": dtype, "data": data}


def e3nn_commit():
    try:
        root = os.path.dirname(os.path.dirname(e3nn.__file__))
        return subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or None
    except Exception:  # noqa: BLE001
        return None


def with_default(dtype, f):
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        return f()
    finally:
        torch.set_default_dtype(old)
