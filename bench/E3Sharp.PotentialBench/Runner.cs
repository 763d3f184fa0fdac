using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.PotentialBench;

/// <summary>Median and minimum of one variant's timed calls (ms).</summary>
public sealed record Timing(double MedianMs, double MinMs, int Calls);

/// <summary>
/// The side-by-side benchmark in one process: E3Sharp eager, E3Sharp compiled and the e3nn twin archive, all on
/// LibTorch 2.10 through TorchSharp, timed in interleaved rounds whose order rotates, per thread count and system.
/// </summary>
public static class Runner
{
    /// <summary>Options of a run. <paramref name="ParameterGrads"/>: energy+forces with parameters that require grad
    /// (as trained) instead of frozen ones.</summary>
    public sealed record Options(string ModelDir, string TwinPath, string? TrainTwinPath, IReadOnlyList<int> Sizes,
        IReadOnlyList<int> Threads, double SecondsPerCase, int MinRounds, int MaxRounds, string? Json, bool Train,
        bool ParameterGrads = false);

    /// <summary>Runs everything and returns results[threads][case][variant].</summary>
    public static Dictionary<string, Dictionary<string, Dictionary<string, Timing>>> Run(Options o)
    {
        var model = Potentials.Load(o.ModelDir, ScalarType.Float32);
        var config = model.Config;
        var compiled = Potentials.Compile(model);
        var twin = jit.load(o.TwinPath);
        twin.eval();
        // An MD step needs no parameter gradients: all three run with parameters that do not require grad, as
        // pair_nequip's frozen models do (docs/benchmarks.md says why this matters to compiled modules).
        if (!o.ParameterGrads)
        {
            Potentials.FreezeParameters(model.parameters());
            Potentials.FreezeParameters(compiled.parameters());
            Potentials.FreezeParameters(twin.parameters());
        }
        var variants = new (string Name, AtomicEnergy F)[]
        {
            ("e3sharp-eager", Potentials.Eager(model)),
            ("e3sharp-compiled", Potentials.Script(compiled)),
            ("e3nn-twin", Potentials.Script(twin)),
        };

        var systems = Systems.EnergyForces(o.Sizes);
        CheckAgreement(variants, systems[0], config.RMax);
        // E3SHARP_BENCH_ONLY=name[,name] times only those variants (for a profiler attached to the process).
        var only = Environment.GetEnvironmentVariable("E3SHARP_BENCH_ONLY");
        if (!string.IsNullOrEmpty(only))
        {
            variants = variants.Where(v => only.Split(',').Contains(v.Name)).ToArray();
        }
        var results = new Dictionary<string, Dictionary<string, Dictionary<string, Timing>>>();
        foreach (var threads in o.Threads)
        {
            set_num_threads(threads);
            var perThreads = results[threads.ToString(CultureInfo.InvariantCulture)] = new();
            foreach (var s in systems)
            {
                using var g = Graph.Batch(s.Frames, config.RMax, ScalarType.Float32);
                var label = $"{s.Name} ({g.EdgeIndex.shape[1]} edges)";
                var cases = variants.Select(v => (v.Name, (Action)(() =>
                {
                    var (_, forces) = Potentials.EnergyForces(v.F, g);
                    _ = forces.sum().item<float>();
                }))).ToList();
                perThreads[s.Name] = Measure(cases, o);
                Print(threads, label, perThreads[s.Name]);
            }

            if (o.Train)
            {
                perThreads["train"] = MeasureTraining(o, config.RMax);
                Print(threads, $"train step, {TrainingStep.BatchFrames} frames", perThreads["train"]);
            }
        }

        if (o.Json is { } path)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        }

        return results;
    }

    /// <summary>The three variants agree on the first system (float32), else the timings would compare different models.</summary>
    private static void CheckAgreement((string Name, AtomicEnergy F)[] variants, BenchSystem s, double rMax)
    {
        using var scope = NewDisposeScope();
        using var g = Graph.Batch(s.Frames, rMax, ScalarType.Float32);
        var (e0, f0) = Potentials.EnergyForces(variants[0].F, g);
        foreach (var (name, f) in variants.Skip(1))
        {
            var (e, forces) = Potentials.EnergyForces(f, g);
            var de = (e - e0).abs().max().item<float>();
            var df = (forces - f0).abs().max().item<float>();
            Console.WriteLine($"{name} vs e3sharp-eager on {s.Name}: |dE| {de:E2} eV, max |dF| {df:E2} eV/Å");
            // Energy per atom: a float32 total of N atomic energies summed in another order moves with N.
            if (!(de / s.Atoms < 2e-6 && df < 1e-4))
            {
                throw new InvalidOperationException($"{name} disagrees with E3Sharp eager (|dE| {de}, |dF| {df}).");
            }
        }
    }

    private static Dictionary<string, Timing> MeasureTraining(Options o, double rMax)
    {
        var batch = TrainingStep.Batch();
        using var g = Graph.Batch(batch.Frames, rMax, ScalarType.Float32);
        // Each variant trains its own copy, so that all start from the trained weights.
        var eager = Potentials.Load(o.ModelDir, ScalarType.Float32);
        eager.train();
        var compiled = Potentials.Compile(Potentials.Load(o.ModelDir, ScalarType.Float32));
        compiled.train();
        var steps = new List<(string, TrainingStep)>
        {
            ("e3sharp-eager", new TrainingStep(Potentials.Eager(eager), eager.parameters(), g)),
            ("e3sharp-compiled", new TrainingStep(Potentials.Script(compiled), compiled.parameters(), g)),
        };
        if (o.TrainTwinPath is { } twinPath)
        {
            var twin = jit.load(twinPath);
            twin.train();
            steps.Add(("e3nn-twin", new TrainingStep(Potentials.Script(twin), twin.parameters(), g)));
        }

        return Measure(steps.Select(s => (s.Item1, (Action)(() => s.Item2.Step()))).ToList(), o);
    }

    /// <summary>Interleaved rounds: every round times each variant once, in an order that rotates by one each round.</summary>
    private static Dictionary<string, Timing> Measure(IReadOnlyList<(string Name, Action Run)> cases, Options o)
    {
        var times = cases.ToDictionary(c => c.Name, _ => new List<double>());
        foreach (var (_, run) in cases)
        {
            for (var w = 0; w < 2; w++)
            {
                using var scope = NewDisposeScope();
                run();
            }
        }

        var clock = Stopwatch.StartNew();
        for (var round = 0; round < o.MaxRounds; round++)
        {
            if (round >= o.MinRounds && clock.Elapsed.TotalSeconds > o.SecondsPerCase)
            {
                break;
            }

            for (var k = 0; k < cases.Count; k++)
            {
                var (name, run) = cases[(round + k) % cases.Count];
                using var scope = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                run();
                times[name].Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        return times.ToDictionary(t => t.Key, t => Summarise(t.Value));
    }

    private static Timing Summarise(List<double> times)
    {
        times.Sort();
        var n = times.Count;
        var median = n % 2 == 1 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
        return new Timing(median, times[0], n);
    }

    private static void Print(int threads, string label, Dictionary<string, Timing> r)
    {
        var twin = r.TryGetValue("e3nn-twin", out var t) ? t.MedianMs : double.NaN;
        var parts = r.Select(kv =>
            $"{kv.Key} {kv.Value.MedianMs:F2} ms (min {kv.Value.MinMs:F2}, n {kv.Value.Calls}" +
            (double.IsNaN(twin) || kv.Key == "e3nn-twin" ? ")" : $", {kv.Value.MedianMs / twin:F2}x twin)"));
        Console.WriteLine($"[{threads} thr] {label}: {string.Join("; ", parts)}");
    }
}
