using E3Sharp.Samples.Potential.Reference;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Training;

/// <summary>
/// The tensors one or several configurations feed the model: positions <c>[N, 3]</c>, edge index <c>[2, E]</c>, image
/// shifts <c>[E, 3]</c>, cells <c>[G, 3, 3]</c>, species <c>[N]</c>, and for labelled data the energies <c>[G]</c>,
/// forces <c>[N, 3]</c> and, where known, stresses <c>[G, 3, 3]</c>. Several configurations
/// batch into one disconnected graph; <see cref="GraphIndex"/> says which configuration each atom belongs to.
/// </summary>
public sealed class Graph : IDisposable
{
    private Graph(Tensor positions, Tensor edgeIndex, Tensor atomTypes, Tensor graphIndex, int graphCount,
        Tensor? energies, Tensor? forces, Tensor atomCounts, Tensor edgeCellShift, Tensor cells, Tensor volumes,
        Tensor? stresses, Tensor stressMask)
    {
        EdgeCellShift = edgeCellShift;
        Cells = cells;
        Volumes = volumes;
        Stresses = stresses;
        StressMask = stressMask;
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

    /// <summary>Integer image shift per edge <c>[E, 3]</c> (same dtype as the positions).</summary>
    public Tensor EdgeCellShift { get; }

    /// <summary>Cell per configuration <c>[G, 3, 3]</c> (zeros for a cluster).</summary>
    public Tensor Cells { get; }

    /// <summary>Cell volume per configuration <c>[G]</c> (1 for a cluster, so that divisions stay finite).</summary>
    public Tensor Volumes { get; }

    /// <summary>Reference stresses <c>[G, 3, 3]</c> (eV/Å³), when labelled (zeros where unknown).</summary>
    public Tensor? Stresses { get; }

    /// <summary>1 for the configurations whose stress is known, else 0 <c>[G]</c>.</summary>
    public Tensor StressMask { get; }

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
        var shifts = new List<double>();
        var cells = new List<double>();
        var volumes = new List<double>();
        var stresses = new List<double>();
        var stressMask = new List<double>();
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

            var edges = NeighborList.Build(c, rMax);
            for (var e = 0; e < edges.Count; e++)
            {
                centres.Add(edges.EdgeIndex[0, e] + offset);
                neighbours.Add(edges.EdgeIndex[1, e] + offset);
                for (var k = 0; k < 3; k++)
                {
                    shifts.Add(edges.CellShifts[e, k]);
                }
            }

            for (var a = 0; a < 3; a++)
            {
                for (var b = 0; b < 3; b++)
                {
                    cells.Add(c.Cell?[a, b] ?? 0.0);
                    stresses.Add(c.Stress?[a, b] ?? 0.0);
                }
            }

            volumes.Add(c.Cell is null ? 1.0 : c.Volume);
            stressMask.Add(c.Stress is null ? 0.0 : 1.0);

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
            tensor(counts.ToArray(), dtype: dtype),
            tensor(shifts.ToArray(), dtype: dtype).reshape(centres.Count, 3),
            tensor(cells.ToArray(), dtype: dtype).reshape(configurations.Count, 3, 3),
            tensor(volumes.ToArray(), dtype: dtype),
            labelled ? tensor(stresses.ToArray(), dtype: dtype).reshape(configurations.Count, 3, 3) : null,
            tensor(stressMask.ToArray(), dtype: dtype));
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
        EdgeCellShift.MoveToOuterDisposeScope();
        Cells.MoveToOuterDisposeScope();
        Volumes.MoveToOuterDisposeScope();
        Stresses?.MoveToOuterDisposeScope();
        StressMask.MoveToOuterDisposeScope();
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
        EdgeCellShift.Dispose();
        Cells.Dispose();
        Volumes.Dispose();
        Stresses?.Dispose();
        StressMask.Dispose();
    }

    /// <summary>The potential's outputs for this graph (its typed entry point with the graph's tensors).</summary>
    /// <param name="potential">The potential.</param>
    public Model.PotentialOutput Evaluate(Model.IPotential potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        return potential.Evaluate(Positions, EdgeIndex, AtomTypes, EdgeCellShift, Cells, GraphIndex);
    }
}
