using System.Diagnostics;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
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
