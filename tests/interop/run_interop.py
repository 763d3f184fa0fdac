#!/usr/bin/env python3
"""PyTorch interop check for E3Sharp's TorchScript archives (run with Debian's /usr/bin/python3, PyTorch 1.13).

  run_interop.py <dir>          load every <name>.pt that has a <name>.json sidecar (written by the C# tests through
                                tests/E3Sharp.Tests/Interop.cs), run the sidecar's method on its inputs and compare
                                with the outputs C# recorded: 1e-6 (float32), 1e-10 (float64), exact otherwise; also
                                the parameter/buffer names and the extra files' text (torch.jit.load's _extra_files)
                                when the sidecar lists them; "no_grad": true runs the method under torch.no_grad();
                                "to_dtype": "Float64" moves the module with .to(dtype) first; "tolerance" replaces the
                                default tolerance; "grad_projections": the outputs are the gradients of
                                sum(output_i * projection_i) with respect to the inputs marked requires_grad;
                                "expect_error": the call must raise an error whose message contains
                                that text. A sidecar whose method is null
                                only checks that the archive loads (LibTorch compiles every method at load time).
                                Prints 'N passed, M failed' and exits non-zero on failure.
  run_interop.py --make <dir>   write archives made by PyTorch (torch.jit.script + torch.jit.save) into <dir>/pytorch,
                                each with a sidecar holding inputs and PyTorch's outputs, for the C# tests to load.
"""
import json
import math
import os
import sys
import traceback
from typing import Dict, List, Optional, Tuple

import torch

DTYPES = {
    "Float32": torch.float32,
    "Float64": torch.float64,
    "Int64": torch.int64,
    "Int32": torch.int32,
    "Bool": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}
TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-10}


def decode_number(v):
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return v


def read_tensor(obj):
    dtype = DTYPES[obj["dtype"]]
    data = [decode_number(v) for v in obj["data"]]
    t = torch.tensor(data, dtype=dtype).reshape(obj["shape"])
    if obj.get("requires_grad"):
        t.requires_grad_(True)
    return t


def write_tensor(t):
    t = t.detach().contiguous().cpu()
    def enc(v):
        if isinstance(v, float) and not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        return v
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data": [enc(v) for v in t.reshape(-1).tolist()]}


def flatten(result):
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        out = []
        for r in result:
            out.extend(flatten(r))
        return out
    if isinstance(result, bool):
        return [torch.tensor(result)]
    if isinstance(result, int):
        return [torch.tensor(result, dtype=torch.int64)]
    if isinstance(result, float):
        return [torch.tensor(result, dtype=torch.float64)]
    raise TypeError(f"cannot compare an output of type {type(result).__name__}")


def compare(expected, actual, index, tolerance=None):
    if expected.dtype != actual.dtype:
        return f"output {index}: dtype {actual.dtype}, C# recorded {expected.dtype}"
    if list(expected.shape) != list(actual.shape):
        return f"output {index}: shape {list(actual.shape)}, C# recorded {list(expected.shape)}"
    actual = actual.detach()
    tol = TOLERANCE.get(expected.dtype) if tolerance is None else tolerance
    if tol is None:
        ok = torch.equal(expected, actual)
    else:
        ok = torch.allclose(actual, expected, rtol=tol, atol=tol, equal_nan=True)
    if not ok:
        diff = (actual.double() - expected.double()).abs().max().item() if expected.numel() else 0.0
        return f"output {index}: values differ (max abs diff {diff:g}, tolerance {tol})"
    return None


def check(directory, name):
    with open(os.path.join(directory, name + ".json"), encoding="utf-8") as f:
        side = json.load(f)
    extra = {k: "" for k in side.get("extra_files") or {}}
    module = torch.jit.load(os.path.join(directory, side["archive"]), _extra_files=extra)
    for k, text in (side.get("extra_files") or {}).items():
        got = extra[k].decode("utf-8") if isinstance(extra[k], bytes) else extra[k]
        if got != text:
            return f"extra file {k!r}: {got!r}, expected {text!r}"
    if side.get("parameters") is not None:
        got = [n for n, _ in module.named_parameters()]
        if got != side["parameters"]:
            return f"named_parameters {got}, expected {side['parameters']}"
    if side.get("buffers") is not None:
        got = [n for n, _ in module.named_buffers()]
        if got != side["buffers"]:
            return f"named_buffers {got}, expected {side['buffers']}"
    method = side.get("method")
    if method is None:
        return None
    if side.get("to_dtype"):
        module.to(DTYPES[side["to_dtype"]])
    inputs = [read_tensor(t) for t in side["inputs"]]
    expected = [read_tensor(t) for t in side["outputs"]]
    if side.get("expect_error") is not None:
        return expect_error(getattr(module, method), inputs, side["expect_error"])
    if side.get("grad_projections") is not None:
        outputs = flatten(getattr(module, method)(*inputs))
        projections = [read_tensor(t) for t in side["grad_projections"]]
        if len(projections) != len(outputs):
            return f"{len(outputs)} outputs, {len(projections)} gradient projections"
        loss = sum((o * p).sum() for o, p in zip(outputs, projections))
        actual = list(torch.autograd.grad(loss, [t for t in inputs if t.requires_grad]))
    elif side.get("no_grad"):
        with torch.no_grad():
            actual = flatten(getattr(module, method)(*inputs))
    else:
        actual = flatten(getattr(module, method)(*inputs))
    if len(actual) != len(expected):
        return f"{len(actual)} outputs, C# recorded {len(expected)}"
    for i, (e, a) in enumerate(zip(expected, actual)):
        problem = compare(e, a, i, side.get("tolerance"))
        if problem:
            return problem
    return None


def expect_error(method, inputs, text):
    """The call must raise, with a message containing text (TorchScript's raise keeps the module's message)."""
    try:
        method(*inputs)
    except Exception as e:  # TorchScript raises RuntimeError / torch.jit.Error wrapping the module's error
        return None if text in str(e) else f"raised, but the message lacks {text!r}: {str(e)[-300:]!r}"
    return f"accepted inputs it must refuse (expected an error containing {text!r})"


def run_checks(directory):
    names = sorted(f[:-5] for f in os.listdir(directory) if f.endswith(".json"))
    passed, failed = 0, 0
    for name in names:
        try:
            problem = check(directory, name)
        except Exception as e:  # report and continue with the other archives
            problem = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
            traceback.print_exc()
        if problem:
            failed += 1
            print(f"FAIL {name}: {problem}")
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    if passed + failed == 0:
        print("no interop archives found (did the .NET tests run with E3SHARP_INTEROP_DIR set?)")
        return 1
    return 1 if failed else 0


class PyChild(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor([0.5, -1.5, 2.0]))
        self.register_buffer("shift", torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift.to(torch.float32)


class PyNet(torch.nn.Module):
    """A small scripted module: parameters, buffers, int/list/Optional attributes, a submodule, data-dependent
    control flow and a tuple result."""

    count: int
    dims: List[int]
    maybe: Optional[torch.Tensor]

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 3)
        with torch.no_grad():
            self.lin.weight.copy_(torch.arange(9, dtype=torch.float32).reshape(3, 3) / 10.0)
            self.lin.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
        self.child = PyChild()
        self.register_buffer("steps", torch.tensor([3], dtype=torch.int64))
        self.count = 2
        self.dims = [1, 2]
        self.maybe = None

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        y = self.child(torch.relu(self.lin(x)))
        if bool(torch.any(y > 1.0)):
            y = y * 0.5
        else:
            y = y + 1.0
        for d in self.dims:
            y = y * d
        i = 0
        while i < int(self.steps[0]):
            y = y - 0.25
            i += 1
        m = self.maybe
        if m is not None:
            y = y + m
        return y, y.sum(dim=-1) * self.count


def make(directory):
    out = os.path.join(directory, "pytorch")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    module = torch.jit.script(PyNet())
    path = os.path.join(out, "pytorch_scripted.pt")
    torch.jit.save(module, path)
    x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, -2.0]])
    outputs = flatten(module(x))
    side = {
        "archive": "pytorch_scripted.pt",
        "method": "forward",
        "inputs": [write_tensor(x)],
        "outputs": [write_tensor(o) for o in outputs],
        "parameters": [n for n, _ in module.named_parameters()],
        "buffers": [n for n, _ in module.named_buffers()],
    }
    with open(os.path.join(out, "pytorch_scripted.json"), "w", encoding="utf-8") as f:
        json.dump(side, f, indent=1)
    print(f"wrote {path} (PyTorch {torch.__version__})")
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--make":
        return make(argv[2])
    if len(argv) == 2:
        return run_checks(argv[1])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
