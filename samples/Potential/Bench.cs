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
/// Times one energy+forces evaluation (forward and the autograd gradient, model in eval mode) on random clusters of a
/// given size, for any number of implementations of <c>(pos, edge_index, atom_types) -&gt; (energy, forces)</c>.
/// </summary>
public static class Bench
{
    /// <summary>A random cluster of <paramref name="atoms"/> atoms at the density of the training data.</summary>
    /// <param name="atoms">Number of atoms.</param>
    /// <param name="config">Model hyper-parameters (species count, r_max).</param>
    /// <param name="dtype">Floating dtype.</param>
    /// <param name="seed">Random seed.</param>
    public static Graph System(int atoms, ModelConfig config, ScalarType dtype, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = DataGenerator.RandomCluster(atoms, config.NumSpecies, 2.6, new Random(seed));
        return Graph.FromConfiguration(c, config.RMax, dtype);
    }

    /// <summary>Times <paramref name="evaluate"/> on <paramref name="graph"/>.</summary>
    /// <param name="name">Label.</param>
    /// <param name="graph">The system.</param>
    /// <param name="evaluate">One energy+forces evaluation.</param>
    /// <param name="minSeconds">Keep repeating until this much time has been measured (after warm-up).</param>
    /// <param name="minRepeats">At least this many timed runs.</param>
    public static BenchResult Time(string name, Graph graph, Func<Tensor, Tensor, Tensor, (Tensor, Tensor)> evaluate,
        double minSeconds = 2.0, int minRepeats = 5)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(evaluate);
        for (var w = 0; w < 3; w++)
        {
            using var scope = NewDisposeScope();
            evaluate(graph.Positions.clone(), graph.EdgeIndex, graph.AtomTypes);
        }

        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minRepeats || total.Elapsed.TotalSeconds < minSeconds)
        {
            using var scope = NewDisposeScope();
            var pos = graph.Positions.clone();
            var sw = Stopwatch.StartNew();
            var (e, f) = evaluate(pos, graph.EdgeIndex, graph.AtomTypes);
            _ = e.sum().item<float>() + f.sum().item<float>();
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
