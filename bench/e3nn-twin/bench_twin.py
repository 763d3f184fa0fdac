"""Times the e3nn twin in PyTorch 1.13 from Python: energy+forces per call, and a training step.

The same systems (systems.json), the same evaluation around the model (twin_model.energy_forces, a line-by-line copy of
bench/E3Sharp.PotentialBench's) and the same interleaved-rounds scheme as the .NET bench; writes
{threads: {case: {variant: {MedianMs, MinMs, Calls}}}} as JSON. Variants: "e3nn-twin" (the compiled archive,
torch.jit.load) for energy+forces; for the training step also "e3nn-eager" (the e3nn modules uncompiled, as e3nn
users often train).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from twin_model import AtomicEnergyModel, energy_forces, load_e3sharp_state, system_tensors  # noqa: E402


def measure(cases, seconds, min_rounds, max_rounds):
    times = {name: [] for name, _ in cases}
    for _, run in cases:
        for _ in range(2):
            run()
    start = time.perf_counter()
    for r in range(max_rounds):
        if r >= min_rounds and time.perf_counter() - start > seconds:
            break
        for k in range(len(cases)):
            name, run = cases[(r + k) % len(cases)]
            t0 = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - t0) * 1e3)
    out = {}
    for name, t in times.items():
        t.sort()
        n = len(t)
        median = t[n // 2] if n % 2 else 0.5 * (t[n // 2 - 1] + t[n // 2])
        out[name] = {"MedianMs": median, "MinMs": t[0], "Calls": n}
    return out


def training_step(f, params, s):
    opt = torch.optim.Adam(params, lr=1e-3)

    def step():
        opt.zero_grad()
        energy, forces = energy_forces(f, s, create_graph=True)
        energy_term = ((energy - s["energy_label"]) / s["atom_counts"]).square().mean()
        loss = (forces - s["forces_label"]).square().mean() + energy_term
        loss.backward()
        opt.step()
        return loss.item()

    return step


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--twin", required=True, help="twin_float32.pt")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--sizes", default="64,512,4096")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--min-rounds", type=int, default=5)
    ap.add_argument("--max-rounds", type=int, default=200)
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    with open(os.path.join(args.work, "systems.json")) as f:
        systems = json.load(f)["systems"]
    with open(os.path.join(args.work, "weights.json")) as f:
        weights = json.load(f)
    sizes = {int(x) for x in args.sizes.split(",")}
    twin = torch.jit.load(args.twin).eval()
    # An MD step needs no parameter gradients: as in the .NET bench (and pair_nequip's frozen models).
    for p in twin.parameters():
        p.requires_grad_(False)
    results = json.load(open(args.json)) if os.path.exists(args.json) else {}
    for threads in (int(x) for x in args.threads.split(",")):
        torch.set_num_threads(threads)
        per = results[str(threads)] = {}
        for entry in systems:
            if "energy_label" in entry or int(entry["atoms"]) not in sizes:
                continue
            s = system_tensors(entry, torch.float32)

            def run(s=s):
                _, forces = energy_forces(twin, s)
                forces.sum().item()

            per[entry["name"]] = measure([("e3nn-twin", run)], args.seconds, args.min_rounds, args.max_rounds)
            print(f"[{threads} thr] {entry['name']} ({s['edge_index'].shape[1]} edges): "
                  f"e3nn-twin (PyTorch {torch.__version__}) {per[entry['name']]['e3nn-twin']}", flush=True)
        if not args.no_train:
            entry = next(e for e in systems if "energy_label" in e)
            s = system_tensors(entry, torch.float32)
            trained = torch.jit.load(args.twin).train()
            eager = AtomicEnergyModel(json.loads(weights["config"]))
            load_e3sharp_state(eager, weights["state"])
            eager.train()
            cases = [("e3nn-twin", training_step(trained, list(trained.parameters()), s)),
                     ("e3nn-eager", training_step(eager, list(eager.parameters()), s))]
            per["train"] = measure(cases, args.seconds, args.min_rounds, args.max_rounds)
            print(f"[{threads} thr] train step ({entry['name']}): {per['train']}", flush=True)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
