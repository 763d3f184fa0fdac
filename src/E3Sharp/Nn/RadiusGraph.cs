using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// <see cref="GraphOps.RadiusGraph(Tensor, double, Tensor?, int)"/> as a module (a traced child of a scripted module, whose forward calls only methods
/// of its own class): <c>forward(pos, batch)</c> gives the edges <c>[2, E]</c> (row 0 source, row 1 target) between
/// points of the same batch entry closer than <see cref="RMax"/>, without self loops.
/// </summary>
/// <example>
/// <code>
/// var graph = new RadiusGraph(rMax: 2.5);
/// var edges = graph.call(pos, batch);   // int64 [2, E]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class RadiusGraph : nn.Module<Tensor, Tensor, Tensor>, ITracingInputs, IInputContract
{
    /// <summary>Creates the module.</summary>
    /// <param name="rMax">The cutoff radius (positive).</param>
    /// <param name="maxNumNeighbors">Most neighbours per centre (torch_cluster's rule, see <see cref="GraphOps.RadiusGraph(Tensor, double, Tensor?, int)"/>).</param>
    public RadiusGraph(double rMax, int maxNumNeighbors = 32) : base(nameof(RadiusGraph))
    {
        if (!(rMax > 0))
        {
            throw new ArgumentException($"RadiusGraph: rMax must be positive, got {rMax}.", nameof(rMax));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(maxNumNeighbors);
        RMax = rMax;
        MaxNumNeighbors = maxNumNeighbors;
        RegisterComponents();
    }

    /// <summary>The cutoff radius.</summary>
    public double RMax { get; }

    /// <summary>Most neighbours per centre.</summary>
    public int MaxNumNeighbors { get; }

    /// <summary>The edges of the radius graph.</summary>
    /// <param name="pos">Positions <c>[N, 3]</c>.</param>
    /// <param name="batch">int64 <c>[N]</c>, the point cloud of each point.</param>
    /// <returns>int64 <c>[2, E]</c>.</returns>
    public override Tensor forward(Tensor pos, Tensor batch)
    {
        InputContract.Check(this, pos, batch);
        return GraphOps.RadiusGraph(pos, RMax, batch, MaxNumNeighbors);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module, whose traced graph would
    /// otherwise take a batch of any dtype); GraphOps.RadiusGraph checks the rest (one batch entry per point).</summary>
    public InputContract InputContract => _contract ??= new(ToString(),
    [
        new InputSpec("pos", InputSpec.AnyLastDimension, "shape [N, coordinates]", MinRank: 2),
        new InputSpec("batch", InputSpec.AnyLastDimension, "shape [N]", Batched: false) { RequiredDtype = "Int64" },
    ]);

    /// <inheritdoc />
    public override string ToString() => $"{nameof(RadiusGraph)}(rMax={RMax}, maxNumNeighbors={MaxNumNeighbors})";

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var list = new List<Tensor[]>();
        for (var i = 0; i < Math.Max(n, 1); i++)
        {
            var count = 9 + 3 * i;
            using var diameter = (2.0 * RMax).ToScalar();
            using var end = count.ToScalar();
            using var zero = 0.ToScalar();
            using var one = 1.ToScalar();
            using var two = 2.ToScalar();
            var pos = rand(new long[] { count, 3 }, dtype: get_default_dtype()).mul(diameter);
            var batch = arange(zero, end, one, dtype: ScalarType.Int64).mul(two).div(end, rounding_mode: RoundingMode.floor);
            list.Add(new[] { pos, batch });
        }

        return list;
    }
}
