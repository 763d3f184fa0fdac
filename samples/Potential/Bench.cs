using System.Diagnostics;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential;

/// <summary>Timing of one evaluation, in milliseconds.</summary>
/// <param name="Name">What was timed.</param>
/// <param name="Atoms">Number of atoms.</param>
/// <param name="Edges">Number of edges.</param>
/// <param name="Repeats">Number of timed runs.</param>
/// <param name="MedianMs">Median time (ms).</param>
/// <param name="MinMs">Fastest time (ms).</param>
public sealed record BenchResult(string Name, long Atoms, long Edges, int Repeats, double MedianMs, double MinMs);

/// <summary>
/// Times one energy+forces+virial evaluation (forward and the autograd gradient, model in eval mode) on periodic fcc
/// copper cells of a given size, for any number of implementations.
/// </summary>
public static class Bench
{
    /// <summary>An fcc Cu supercell (a = 3.61 Å, 4 reps³ atoms) with random displacements of up to 0.1 Å.</summary>
    /// <param name="reps">Conventional cells along each axis.</param>
    /// <param name="seed">Random seed.</param>
    public static Configuration CopperCell(int reps, int seed = 1)
    {
        const double a = 3.61;
        var random = new Random(seed);
        var basis = new[] { (0.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.5, 0.0, 0.5), (0.0, 0.5, 0.5) };
        var n = 4 * reps * reps * reps;
        var pos = new double[n, 3];
        var i = 0;
        for (var x = 0; x < reps; x++)
        {
            for (var y = 0; y < reps; y++)
            {
                for (var z = 0; z < reps; z++)
                {
                    foreach (var (bx, by, bz) in basis)
                    {
                        pos[i, 0] = (x + bx) * a + 0.1 * (2 * random.NextDouble() - 1);
                        pos[i, 1] = (y + by) * a + 0.1 * (2 * random.NextDouble() - 1);
                        pos[i, 2] = (z + bz) * a + 0.1 * (2 * random.NextDouble() - 1);
                        i++;
                    }
                }
            }
        }

        return new Configuration(pos, new int[n])
        {
            Cell = new double[,] { { reps * a, 0, 0 }, { 0, reps * a, 0 }, { 0, 0, reps * a } },
            Pbc = new[] { true, true, true },
        };
    }

    /// <summary>Times <paramref name="evaluate"/> on <paramref name="graph"/>.</summary>
    /// <param name="name">Label.</param>
    /// <param name="graph">The system.</param>
    /// <param name="evaluate">One evaluation; returns a tensor to read (so that the work is done).</param>
    /// <param name="minSeconds">Keep repeating until this much time has been measured (after warm-up).</param>
    /// <param name="minRepeats">At least this many timed runs.</param>
    public static BenchResult Time(string name, Graph graph, Func<Graph, Tensor> evaluate, double minSeconds = 2.0,
        int minRepeats = 5)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(evaluate);
        for (var w = 0; w < 3; w++)
        {
            using var scope = NewDisposeScope();
            evaluate(graph);
        }

        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minRepeats || total.Elapsed.TotalSeconds < minSeconds)
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            _ = evaluate(graph).sum().to(ScalarType.Float64).item<double>();
            times.Add(sw.Elapsed.TotalMilliseconds);
            if (times.Count >= 1000)
            {
                break;
            }
        }

        times.Sort();
        return new BenchResult(name, graph.Positions.shape[0], graph.EdgeIndex.shape[1], times.Count,
            times[times.Count / 2], times[0]);
    }
}

/// <summary>
/// Eager against compiled: energy+forces per call and a training step, the per-atom energy model run eagerly or as
/// its TorchScript module (<c>TorchScript.Compile</c>), the geometry and autograd around it the same C# code, timed in
/// alternating rounds so that both see the same machine load.
/// </summary>
public static class CompiledBench
{
    // CLOCK_PROCESS_CPUTIME_ID: with one LibTorch thread the process's CPU time is the work's time even when other
    // processes compete for the cores (wall-clock times are reported too).
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static double CpuMs() =>
        ClockGetTime(2, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds * 1e-6 : double.NaN;

    /// <summary>Median wall-clock and process-CPU milliseconds of <paramref name="repeats"/> runs after one warm-up.</summary>
    private static (double Wall, double Cpu) Time(Graph graph, Func<Graph, Tensor> evaluate, int repeats)
    {
        using (NewDisposeScope())
        {
            evaluate(graph);
        }

        var wall = new List<double>();
        var cpu = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            using var scope = NewDisposeScope();
            var c0 = CpuMs();
            var sw = Stopwatch.StartNew();
            _ = evaluate(graph).sum().to(ScalarType.Float64).item<double>();
            wall.Add(sw.Elapsed.TotalMilliseconds);
            cpu.Add(CpuMs() - c0);
        }

        return (Median(wall), Median(cpu));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>The per-atom energy model as a function of edge vectors, edge index and species.</summary>
    /// <param name="EdgeVec">Edge vectors.</param>
    /// <param name="EdgeIndex">Edge index.</param>
    /// <param name="AtomTypes">Species.</param>
    public delegate Tensor AtomicEnergies(Tensor EdgeVec, Tensor EdgeIndex, Tensor AtomTypes);

    /// <summary>Energy per configuration and forces of <paramref name="graph"/> (EnergyForces' geometry, without the
    /// strain).</summary>
    /// <param name="model">The per-atom energy model.</param>
    /// <param name="graph">The system.</param>
    /// <param name="createGraph">Keep the gradient's graph (training).</param>
    public static (Tensor Energy, Tensor Forces) EnergyAndForces(AtomicEnergies model, Graph graph, bool createGraph)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(graph);
        var pos = graph.Positions.detach().requires_grad_(true);
        var centre = graph.EdgeIndex[0];
        var neighbour = graph.EdgeIndex[1];
        var edgeCell = graph.Cells.index_select(0, graph.GraphIndex.index_select(0, centre));
        var edgeVec = pos.index_select(0, neighbour) - pos.index_select(0, centre) +
                      graph.EdgeCellShift.unsqueeze(1).bmm(edgeCell).squeeze(1);
        var atomic = model(edgeVec, graph.EdgeIndex, graph.AtomTypes);
        using var alpha = 1.ToScalar();
        var energy = zeros(graph.GraphCount, dtype: atomic.dtype).index_add(0, graph.GraphIndex, atomic[.., 0], alpha);
        var grads = autograd.grad(new[] { energy.sum() }, new[] { pos }, retain_graph: createGraph,
            create_graph: createGraph);
        return (energy, -grads[0]);
    }

    private static void Report(string what, List<(double Wall, double Cpu)> eager, List<(double Wall, double Cpu)> compiled)
    {
        double e = Median(eager.Select(t => t.Cpu)), c = Median(compiled.Select(t => t.Cpu));
        Console.WriteLine($"  {what}: process CPU eager {e:F1} ms, compiled {c:F1} ms, compiled/eager {c / e:F3}; " +
                          $"wall eager {Median(eager.Select(t => t.Wall)):F1} ms, compiled {Median(compiled.Select(t => t.Wall)):F1} ms");
    }

    /// <summary>Runs the comparison and prints a table (medians over rounds, ms).</summary>
    /// <param name="config">The model's hyper-parameters.</param>
    /// <param name="dtype">Floating dtype.</param>
    /// <param name="atoms">System sizes.</param>
    /// <param name="seed">Random seed.</param>
    /// <param name="rounds">Alternating rounds.</param>
    public static void Run(ModelConfig config, ScalarType dtype, IReadOnlyList<int> atoms, int seed, int rounds = 5)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(atoms);
        var model = new AtomicEnergyModel(config, dtype);
        model.eval();
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        var clock = Stopwatch.StartNew();
        var compiled = E3Sharp.Jit.TorchScript.Compile(model);
        var compileMs = clock.Elapsed.TotalMilliseconds;
        set_default_dtype(previous);
        compiled.eval();
        Console.WriteLine($"compile of the whole model (first in the process): {compileMs:F0} ms");
        AtomicEnergies eager = (v, e, t) => model.forward(v, e, t);
        AtomicEnergies script = (v, e, t) => (Tensor)compiled.forward(v, e, t);
        foreach (var n in atoms)
        {
            var reps = (int)Math.Round(Math.Cbrt(n / 4.0));
            using var graph = Graph.FromConfiguration(Bench.CopperCell(Math.Max(reps, 1), seed), config.RMax, dtype);
            var (e0, f0) = EnergyAndForces(eager, graph, false);
            var (e1, f1) = EnergyAndForces(script, graph, false);
            var diff = (f0 - f1).abs().max().to(ScalarType.Float64).item<double>();
            var ediff = (e0 - e1).abs().max().to(ScalarType.Float64).item<double>();
            var eagerTimes = new List<(double Wall, double Cpu)>();
            var scriptTimes = new List<(double Wall, double Cpu)>();
            var repeats = n > 1000 ? 1 : 3;
            for (var r = 0; r < rounds; r++)
            {
                eagerTimes.Add(Time(graph, g => EnergyAndForces(eager, g, false).Forces, repeats));
                scriptTimes.Add(Time(graph, g => EnergyAndForces(script, g, false).Forces, repeats));
            }

            Report($"{graph.Positions.shape[0],5} atoms {graph.EdgeIndex.shape[1],7} edges", eagerTimes, scriptTimes);
            Console.WriteLine($"        |dE| {ediff:G2}, |dF| {diff:G2}");
        }

        // Training step: a batch of four 108-atom cells, energy and force loss (create_graph), backward, Adam.
        var frames = Enumerable.Range(0, 4).Select(i => Bench.CopperCell(3, seed + i)).ToList();
        using var batch = Graph.Batch(frames, config.RMax, dtype);
        model.train();
        compiled.train();
        var stepTimes = new[] { new List<(double Wall, double Cpu)>(), new List<(double Wall, double Cpu)>() };
        var optimizers = new[] { optim.Adam(model.parameters(), lr: 1e-4), optim.Adam(compiled.parameters(), lr: 1e-4) };
        var fns = new[] { eager, script };
        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < 2; k++)
            {
                var fn = fns[k];
                var opt = optimizers[k];
                stepTimes[k].Add(Time(batch, g =>
                {
                    opt.zero_grad();
                    var (energy, forces) = EnergyAndForces(fn, g, true);
                    var loss = energy.square().mean() + forces.square().mean();
                    loss.backward();
                    opt.step();
                    return loss.detach();
                }, 3));
            }
        }

        Report($"training step, {batch.Positions.shape[0]} atoms in 4 configurations", stepTimes[0], stepTimes[1]);
    }
}
