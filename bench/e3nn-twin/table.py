"""Prints the Markdown tables of bench/RESULTS.md from a potential-bench work folder (dotnet-*.json, python.json,
first-compile.txt): median ms per energy+forces call and per training step, ratios E3Sharp / e3nn twin, and the
speed-up from one to two threads."""
import argparse
import glob
import json
import os
import re


def load(work):
    dotnet = {}
    for path in sorted(glob.glob(os.path.join(work, "dotnet-*.json"))):
        for threads, cases in json.load(open(path)).items():
            dotnet.setdefault(threads, {}).update(cases)
    path = os.path.join(work, "python.json")
    python = json.load(open(path)) if os.path.exists(path) else {}
    return dotnet, python


def med(d, *keys):
    for k in keys:
        if d is None or k not in d:
            return None
        d = d[k]
    return d["MedianMs"]


def fmt(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"


def ratio(a, b):
    return "–" if a is None or b is None else f"{a / b:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    dotnet, python = load(args.work)
    systems = json.load(open(os.path.join(args.work, "systems.json")))["systems"]
    edges = {s["name"]: len(s["edge_index"]) // 2 for s in systems}
    train_name = next((s["name"] for s in systems if "energy_label" in s), "train")
    for threads in sorted(dotnet):
        d, p = dotnet[threads], python.get(threads, {})
        print(f"\nEnergy+forces per call, float32, {threads} thread(s): median ms (ratio to the e3nn twin in "
              f"LibTorch 2.10 | in PyTorch 1.13)\n")
        print("| system | edges | E3Sharp eager | E3Sharp compiled | e3nn twin, LibTorch 2.10 | e3nn twin, PyTorch 1.13 "
              "| compiled / eager |")
        print("|---|---|---|---|---|---|---|")
        for name in [s["name"] for s in systems if s["name"] in d]:
            eager, comp, twin = med(d, name, "e3sharp-eager"), med(d, name, "e3sharp-compiled"), med(d, name, "e3nn-twin")
            py = med(p, name, "e3nn-twin")
            print(f"| {name} | {edges[name]:,} | {fmt(eager)} ({ratio(eager, twin)} \\| {ratio(eager, py)}) "
                  f"| {fmt(comp)} ({ratio(comp, twin)} \\| {ratio(comp, py)}) | {fmt(twin)} | {fmt(py)} "
                  f"| {ratio(comp, eager)} |")
        if "train" in d:
            tr, pt = d["train"], p.get("train", {})
            print(f"\nTraining step ({train_name}: forward, forces with create_graph, loss, backward, Adam), float32, "
                  f"{threads} thread(s): median ms\n")
            print("| E3Sharp eager | E3Sharp compiled | e3nn twin archive, LibTorch 2.10 | e3nn twin archive, PyTorch 1.13 "
                  "| e3nn eager modules, PyTorch 1.13 | E3Sharp eager / twin 1.13 | E3Sharp compiled / twin 1.13 "
                  "| E3Sharp eager / e3nn eager 1.13 |")
            print("|---|---|---|---|---|---|---|---|")
            e, c, t = med(tr, "e3sharp-eager"), med(tr, "e3sharp-compiled"), med(tr, "e3nn-twin")
            pt_twin, pt_eager = med(pt, "e3nn-twin"), med(pt, "e3nn-eager")
            print(f"| {fmt(e)} | {fmt(c)} | {fmt(t)} | {fmt(pt_twin)} | {fmt(pt_eager)} | {ratio(e, pt_twin)} "
                  f"| {ratio(c, pt_twin)} | {ratio(e, pt_eager)} |")
    if "1" in dotnet and "2" in dotnet:
        print("\nSpeed-up from one to two LibTorch threads (median with 1 thread / median with 2)\n")
        variants = ["e3sharp-eager", "e3sharp-compiled", "e3nn-twin"]
        print("| case | E3Sharp eager | E3Sharp compiled | e3nn twin, LibTorch 2.10 | e3nn twin, PyTorch 1.13 |")
        print("|---|---|---|---|---|")
        for name in dotnet["1"]:
            cells = [ratio(med(dotnet["1"], name, v), med(dotnet["2"], name, v)) for v in variants]
            cells.append(ratio(med(python.get("1"), name, "e3nn-twin"), med(python.get("2"), name, "e3nn-twin")))
            print(f"| {name} | " + " | ".join(cells) + " |")
    first = os.path.join(args.work, "first-compile.txt")
    if os.path.exists(first):
        text = open(first).read()
        totals = sorted(float(m.group(1)) for m in re.finditer(r"construct\+load\+compile ([\d.]+) ms", text))
        jits = sorted(float(m.group(1)) for m in re.finditer(r"\.NET JIT ([\d.]+) ms", text))
        cpus = sorted(float(m.group(1)) for m in re.finditer(r"process CPU for construct\+load\+compile ([\d.]+) ms", text))
        if totals:
            print(f"\nFirst construct + load weights + TorchScript.Compile of the whole potential in a fresh process: "
                  f"median {totals[len(totals) // 2]:.0f} ms (min {totals[0]:.0f}; .NET JIT median "
                  f"{jits[len(jits) // 2]:.0f} ms; {len(totals)} processes)" +
                  (f"; process CPU time median {cpus[len(cpus) // 2]:.0f} ms" if cpus else ""))


if __name__ == "__main__":
    main()
