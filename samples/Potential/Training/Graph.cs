using E3Sharp.Samples.Potential.Reference;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Training;

/// <summary>
/// The tensors one or several configurations feed the model: positions <c>[N, 3]</c>, edge index <c>[2, E]</c>,
/// species <c>[N]</c>, and for labelled data the energies <c>[G]</c> and forces <c>[N, 3]</c>. Several configurations
/// batch into one disconnected graph; <see cref="GraphIndex"/> says which configuration each atom belongs to.
/// </summary>
public sealed class Graph : IDisposable
{
    private Graph(Tensor positions, Tensor edgeIndex, Tensor atomTypes, Tensor graphIndex, int graphCount,
        Tensor? energies, Tensor? forces, Tensor atomCounts)
    {
        Positions = positions;
        EdgeIndex = edgeIndex;
        AtomTypes = atomTypes;
        GraphIndex = graphIndex;
        GraphCount = graphCount;
        Energies = energies;
        Forces = forces;
        AtomCounts = atomCounts;
    }

    /// <summary>Positions <c>[N, 3]</c>.</summary>
    public Tensor Positions { get; }

    /// <summary>Edge index <c>[2, E]</c> (int64).</summary>
    public Tensor EdgeIndex { get; }

    /// <summary>Species index per atom <c>[N]</c> (int64).</summary>
    public Tensor AtomTypes { get; }

    /// <summary>Configuration index per atom <c>[N]</c> (int64).</summary>
    public Tensor GraphIndex { get; }

    /// <summary>Number of configurations.</summary>
    public int GraphCount { get; }

    /// <summary>Atoms per configuration <c>[G]</c> (same dtype as the positions).</summary>
    public Tensor AtomCounts { get; }

    /// <summary>Reference energies <c>[G]</c>, when labelled.</summary>
    public Tensor? Energies { get; }

    /// <summary>Reference forces <c>[N, 3]</c>, when labelled.</summary>
    public Tensor? Forces { get; }

    /// <summary>One configuration as a graph.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="rMax">Cutoff of the neighbour list (Å).</param>
    /// <param name="dtype">Floating dtype.</param>
    public static Graph FromConfiguration(Configuration configuration, double rMax, ScalarType dtype) =>
        Batch(new[] { configuration }, rMax, dtype);

    /// <summary>Several configurations as one disconnected graph.</summary>
    /// <param name="configurations">The configurations (labels are used when all are labelled).</param>
    /// <param name="rMax">Cutoff of the neighbour list (Å).</param>
    /// <param name="dtype">Floating dtype.</param>
    public static Graph Batch(IReadOnlyList<Configuration> configurations, double rMax, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        if (configurations.Count == 0)
        {
            throw new ArgumentException("Graph.Batch: no configurations given.", nameof(configurations));
        }

        var pos = new List<double>();
        var forces = new List<double>();
        var types = new List<long>();
        var graph = new List<long>();
        var centres = new List<long>();
        var neighbours = new List<long>();
        var energies = new List<double>();
        var counts = new List<double>();
        var labelled = configurations.All(c => c.Energy is not null && c.Forces is not null);
        var offset = 0L;
        for (var g = 0; g < configurations.Count; g++)
        {
            var c = configurations[g];
            for (var i = 0; i < c.Count; i++)
            {
                for (var k = 0; k < 3; k++)
                {
                    pos.Add(c.Positions[i, k]);
                    if (labelled)
                    {
                        forces.Add(c.Forces![i, k]);
                    }
                }

                types.Add(c.Species[i]);
                graph.Add(g);
            }

            var edges = NeighborList.Build(c.Positions, rMax);
            for (var e = 0; e < edges.GetLength(1); e++)
            {
                centres.Add(edges[0, e] + offset);
                neighbours.Add(edges[1, e] + offset);
            }

            if (labelled)
            {
                energies.Add(c.Energy!.Value);
            }

            counts.Add(c.Count);
            offset += c.Count;
        }

        var n = offset;
        var edgeIndex = tensor(centres.Concat(neighbours).ToArray()).reshape(2, centres.Count);
        return new Graph(
            tensor(pos.ToArray(), dtype: dtype).reshape(n, 3),
            edgeIndex,
            tensor(types.ToArray()),
            tensor(graph.ToArray()),
            configurations.Count,
            labelled ? tensor(energies.ToArray(), dtype: dtype) : null,
            labelled ? tensor(forces.ToArray(), dtype: dtype).reshape(n, 3) : null,
            tensor(counts.ToArray(), dtype: dtype));
    }

    /// <summary>Moves the tensors out of the current dispose scope (for graphs kept across training steps).</summary>
    public Graph MoveToOuterDisposeScope()
    {
        Positions.MoveToOuterDisposeScope();
        EdgeIndex.MoveToOuterDisposeScope();
        AtomTypes.MoveToOuterDisposeScope();
        GraphIndex.MoveToOuterDisposeScope();
        AtomCounts.MoveToOuterDisposeScope();
        Energies?.MoveToOuterDisposeScope();
        Forces?.MoveToOuterDisposeScope();
        return this;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Positions.Dispose();
        EdgeIndex.Dispose();
        AtomTypes.Dispose();
        GraphIndex.Dispose();
        AtomCounts.Dispose();
        Energies?.Dispose();
        Forces?.Dispose();
    }
}
