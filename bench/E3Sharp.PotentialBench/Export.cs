using System.Text;
using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.PotentialBench;

/// <summary>
/// Writes what the e3nn twin needs: the trained weights (<c>weights.json</c>: name → shape and values, E3Sharp's
/// state-dict names) and the benchmark's systems with E3Sharp's eager energies and forces in float32 and float64
/// (<c>systems.json</c>), which bench/e3nn-twin/twin.py checks the twin against, and E3Sharp's compiled float32 model
/// (<c>e3sharp_float32.pt</c>), so that a Python profiler can run both archives through the same code.
/// </summary>
public static class Export
{
    /// <summary>Writes <c>weights.json</c> and <c>systems.json</c> to <paramref name="outDir"/>.</summary>
    public static void Run(string modelDir, string outDir, IReadOnlyList<int> sizes, IReadOnlyList<int> checkSizes)
    {
        Directory.CreateDirectory(outDir);
        var f32 = Potentials.Load(modelDir, ScalarType.Float32);
        var f64 = Potentials.Load(modelDir, ScalarType.Float64);
        using (var w = new Utf8JsonWriter(File.Create(Path.Combine(outDir, "weights.json")), new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("config", File.ReadAllText(Path.Combine(modelDir, "config.json")));
            w.WriteStartObject("state");
            foreach (var (name, value) in f32.state_dict())
            {
                w.WriteStartObject(name);
                WriteArray(w, "shape", value.shape.Select(s => (double)s));
                WriteArray(w, "data", value.to_type(ScalarType.Float64).contiguous().data<double>().ToArray());
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        var config = f32.Config;
        var systems = Systems.EnergyForces(sizes).ToList();
        systems.Add(TrainingStep.Batch());
        using (var w = new Utf8JsonWriter(File.Create(Path.Combine(outDir, "systems.json"))))
        {
            w.WriteStartObject();
            w.WriteNumber("r_max", config.RMax);
            w.WriteStartArray("systems");
            foreach (var s in systems)
            {
                using var scope = NewDisposeScope();
                using var g = Graph.Batch(s.Frames, config.RMax, ScalarType.Float64);
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                w.WriteNumber("atoms", s.Atoms);
                w.WriteNumber("graphs", g.GraphCount);
                WriteArray(w, "pos", Flat(g.Positions));
                WriteArray(w, "cells", Flat(g.Cells));
                WriteArray(w, "edge_index", Flat(g.EdgeIndex));
                WriteArray(w, "edge_cell_shift", Flat(g.EdgeCellShift));
                WriteArray(w, "atom_types", Flat(g.AtomTypes));
                WriteArray(w, "graph_index", Flat(g.GraphIndex));
                if (g.Energies is { } e && g.Forces is { } f)
                {
                    WriteArray(w, "energy_label", Flat(e));
                    WriteArray(w, "forces_label", Flat(f));
                }

                var check = s.Frames.Count == 1 && checkSizes.Contains(s.Atoms);
                if (check)
                {
                    w.WriteStartObject("e3sharp");
                    foreach (var (label, model) in new[] { ("float32", f32), ("float64", f64) })
                    {
                        using var gd = Graph.Batch(s.Frames, config.RMax, model.Dtype);
                        var (energy, forces) = Potentials.EnergyForces(Potentials.Eager(model), gd);
                        w.WriteStartObject(label);
                        WriteArray(w, "energy", Flat(energy));
                        WriteArray(w, "forces", Flat(forces));
                        w.WriteEndObject();
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
                Console.WriteLine($"{s.Name}: {s.Atoms} atoms, {g.EdgeIndex.shape[1]} edges{(check ? ", E3Sharp energy+forces" : "")}");
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        using (var compiled = Potentials.Compile(f32))
        {
            TorchScript.Save(compiled, Path.Combine(outDir, "e3sharp_float32.pt"));
        }

        Console.WriteLine($"Wrote {Path.Combine(outDir, "weights.json")}, systems.json and e3sharp_float32.pt " +
                          $"({f32.parameters().Sum(p => p.numel())} parameters).");
    }

    private static double[] Flat(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    private static void WriteArray(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            if (v == Math.Floor(v) && Math.Abs(v) < 1e15)
            {
                w.WriteNumberValue((long)v);
            }
            else
            {
                w.WriteNumberValue(v);
            }
        }

        w.WriteEndArray();
    }
}
