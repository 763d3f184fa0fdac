using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp;

/// <summary>
/// The graph helpers e3nn's examples take from torch_scatter and torch_cluster: <see cref="Scatter"/>
/// (<c>torch_scatter.scatter</c> along dimension 0) and <see cref="RadiusGraph(Tensor, double, Tensor?, int)"/>
/// (<c>torch_cluster.radius_graph</c>).
/// </summary>
/// <remarks>
/// Both use only plain tensor operations, so a traced forward may call them (the class is
/// <see cref="TraceableAttribute">[Traceable]</see>; pass <c>Scatter</c>'s size as <c>x.shape[0]</c> and it stays
/// symbolic in the trace). A scripted module uses <see cref="Nn.RadiusGraph"/> as a (traced) child, and sums
/// messages itself with <c>zeros.index_add(0, index, src)</c> (what <c>Scatter(..., "sum")</c> computes).
/// </remarks>
/// <example>
/// Message passing over the edges of a point cloud:
/// <code>
/// var edges = GraphOps.RadiusGraph(pos, rMax: 2.5, batch);          // [2, E]: row 0 source, row 1 target
/// var (src, dst) = (edges[0], edges[1]);
/// var messages = tp.call(nodeFeatures.index_select(0, src), sh);  // [E, F]
/// var summed = GraphOps.Scatter(messages, dst, pos.shape[0]);        // [N, F]
/// </code>
/// </example>
[Traceable]
public static partial class GraphOps
{
    /// <summary>The reductions <see cref="Scatter"/> accepts.</summary>
    public static IReadOnlyList<string> Reductions { get; } = new[] { "sum", "mean", "max" };

    /// <summary>
    /// Reduces the rows of <paramref name="src"/> into <paramref name="dimSize"/> rows by <paramref name="index"/>
    /// (torch_scatter's <c>scatter(src, index, dim=0, dim_size=dimSize, reduce=reduce)</c>): row <c>i</c> of the
    /// result reduces the rows <c>e</c> with <c>index[e] == i</c>; rows no index points at are 0 (for every
    /// reduction, as torch_scatter).
    /// </summary>
    /// <param name="src">Values <c>[E, ...]</c> (floating).</param>
    /// <param name="index">int64 <c>[E]</c>, values in <c>[0, dimSize)</c>.</param>
    /// <param name="dimSize">Number of output rows.</param>
    /// <param name="reduce"><c>"sum"</c> (default), <c>"mean"</c> or <c>"max"</c>.</param>
    /// <returns><c>[dimSize, ...]</c>.</returns>
    /// <exception cref="ArgumentException">An unknown reduction, or shapes that do not fit.</exception>
    public static Tensor Scatter(Tensor src, Tensor index, long dimSize, string reduce = "sum")
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(index);
        CheckScatter(src.shape, index.shape, index.dtype, dimSize, reduce);
        CheckIndexValues(index, dimSize);
        return ScatterInto(ZerosLike(src, src.new_zeros(new long[] { dimSize })), src, index, reduce);
    }

    /// <summary>
    /// The edges between points closer than <paramref name="rMax"/>, without self loops, within the same batch
    /// entry (torch_cluster's <c>radius_graph(pos, r_max, batch, loop=False, max_num_neighbors, flow="source_to_target")</c>):
    /// <c>[2, E]</c> int64, row 0 the source (the neighbour <c>j</c>), row 1 the target (the centre <c>i</c>).
    /// </summary>
    /// <remarks>
    /// Edges are ordered by target, then by source, both ascending: the order of torch_cluster's brute-force (CUDA)
    /// search; its CPU search (a k-d tree) returns the same set of edges in another order. A pair is an edge when
    /// <c>|p_j - p_i|² &lt; r_max²</c>. <paramref name="maxNumNeighbors"/> is applied as torch_cluster applies it:
    /// per centre, the first <c>maxNumNeighbors + 1</c> points found (in index order, the centre itself among them)
    /// are kept, then the centre is removed, so a centre whose own index comes after <c>maxNumNeighbors + 1</c> of its
    /// neighbours keeps <c>maxNumNeighbors + 1</c> of them. The search compares all pairs of each call (memory
    /// <c>O(N²)</c>), which suits molecules and e3nn's example point clouds, not large periodic systems.
    /// </remarks>
    /// <param name="pos">Positions <c>[N, 3]</c> (any number of coordinates).</param>
    /// <param name="rMax">The cutoff radius.</param>
    /// <param name="batch">int64 <c>[N]</c>: the point cloud each point belongs to (null: all in one).</param>
    /// <param name="maxNumNeighbors">Most neighbours per centre (torch_cluster's default 32).</param>
    /// <returns>int64 <c>[2, E]</c>.</returns>
    /// <exception cref="ArgumentException">Shapes that do not fit, or a negative limit.</exception>
    public static Tensor RadiusGraph(Tensor pos, double rMax, Tensor? batch = null, int maxNumNeighbors = 32)
    {
        ArgumentNullException.ThrowIfNull(pos);
        CheckRadius(pos.shape, batch?.shape, batch?.dtype, maxNumNeighbors);
        using var two = 2.ToScalar();
        using var rMaxSquared = (rMax * rMax).ToScalar();
        var d2 = pos.unsqueeze(1).sub(pos.unsqueeze(0)).pow(two).sum(-1);   // [centre, neighbour]
        var within = d2.lt(rMaxSquared);
        if (batch is not null)
        {
            within = within.logical_and(batch.unsqueeze(1).eq(batch.unsqueeze(0)));
        }

        // torch_cluster keeps the first maxNumNeighbors + 1 points found per centre (the centre among them).
        using var found = (maxNumNeighbors + 1).ToScalar();
        using var one = 1.ToScalar();
        var keep = within.logical_and(within.to(ScalarType.Int64).cumsum(1).le(found));
        var ids = ones_like(d2.select(1, 0), dtype: ScalarType.Int64).cumsum(0).sub(one);   // arange(N), traceable
        var centre = ids.unsqueeze(1).expand_as(d2);
        var neighbour = ids.unsqueeze(0).expand_as(d2);
        keep = keep.logical_and(centre.ne(neighbour));
        return stack(new[] { neighbour[keep], centre[keep] }, 0);
    }

    // Zeros of shape [dimSize, ...src.shape[1..]] from a zero column [dimSize], by broadcasting (no shape array is
    // built, so the tracing twin keeps a symbolic dimSize symbolic).
    private static Tensor ZerosLike(Tensor src, Tensor column)
    {
        for (var d = 1; d < src.dim(); d++)
        {
            column = column.unsqueeze(-1);
        }

        return column.add(zeros_like(src.sum(0, keepdim: true)));
    }

    private static Tensor ScatterInto(Tensor zeros, Tensor src, Tensor index, string reduce)
    {
        // A [dimSize] view of the output's first column (built from it so that a trace keeps dimSize symbolic).
        var column = zeros;
        for (var d = 1; d < src.dim(); d++)
        {
            column = column.select(-1, 0);
        }

        if (reduce == "max")
        {
            // TorchSharp 0.107 binds neither scatter_reduce nor index_reduce: every row of src is compared with every
            // output row ([dimSize, E, ...] memory). The maximum is exact, so this equals torch_scatter's result.
            using var one = 1.ToScalar();
            var ids = ones_like(column, dtype: ScalarType.Int64).cumsum(0).sub(one);
            var member = ids.unsqueeze(1).eq(index.unsqueeze(0));          // [dimSize, E]
            var any = member.any(1);                                          // [dimSize]
            for (var d = 1; d < src.dim(); d++)
            {
                member = member.unsqueeze(-1);
                any = any.unsqueeze(-1);
            }

            var rows = src.unsqueeze(0);
            using var infinity = double.PositiveInfinity.ToScalar();
            var lowest = zeros_like(rows).sub(infinity);
            var largest = where(member, rows, lowest).amax(new long[] { 1 });
            return where(any, largest, zeros);
        }

        using var alpha = 1.ToScalar();
        var total = zeros.index_add(0, index, src, alpha);
        if (reduce == "sum")
        {
            return total;
        }

        // Ones in src's dtype, one per row (taken from src so that a compiled module follows its input's dtype).
        var rowsOfSrc = src;
        for (var d = 1; d < src.dim(); d++)
        {
            rowsOfSrc = rowsOfSrc.select(-1, 0);
        }

        using var minCount = 1.0.ToScalar();
        var count = column.index_add(0, index, ones_like(rowsOfSrc), alpha).clamp_min(minCount);
        for (var d = 1; d < src.dim(); d++)
        {
            count = count.unsqueeze(-1);
        }

        return total.div(count);
    }

    private static void CheckScatter(long[] srcShape, long[] indexShape, ScalarType indexDtype, long dimSize, string reduce)
    {
        ArgumentNullException.ThrowIfNull(reduce);
        if (!Reductions.Contains(reduce))
        {
            throw new ArgumentException(
                $"Scatter: reduce=\"{reduce}\" is not supported; use \"sum\", \"mean\" or \"max\".", nameof(reduce));
        }

        if (srcShape.Length == 0 || indexShape.Length != 1 || indexShape[0] != srcShape[0] || indexDtype != ScalarType.Int64)
        {
            throw new ArgumentException(
                $"Scatter: index must be an int64 vector with one entry per row of src; got src of shape " +
                $"[{string.Join(", ", srcShape)}] and index of shape [{string.Join(", ", indexShape)}], dtype {indexDtype}.");
        }

        if (dimSize < 0)
        {
            throw new ArgumentException($"Scatter: dimSize must be non-negative, got {dimSize}.", nameof(dimSize));
        }
    }

    // LibTorch's index_add checks its indices itself, but only after allocating and with a message that names
    // neither Scatter nor dimSize; reading the range costs one pass over the index. Eager only: a trace has no
    // values to check (the traced graph's index_add raises its own error).
    [Jit.Scripting.EagerOnly]
    private static void CheckIndexValues(Tensor index, long dimSize)
    {
        if (index.numel() == 0)
        {
            return;
        }

        var low = index.min().item<long>();
        var high = index.max().item<long>();
        if (low < 0 || high >= dimSize)
        {
            throw new ArgumentException(
                $"Scatter: index values must lie in [0, dimSize) = [0, {dimSize}), got values from {low} to {high}.",
                nameof(index));
        }
    }

    private static void CheckRadius(long[] posShape, long[]? batchShape, ScalarType? batchDtype, int maxNumNeighbors)
    {
        if (posShape.Length != 2)
        {
            throw new ArgumentException(
                $"RadiusGraph: pos must have shape [N, 3] (points by coordinates), got [{string.Join(", ", posShape)}].");
        }

        if (batchShape is not null && (batchShape.Length != 1 || batchShape[0] != posShape[0] || batchDtype != ScalarType.Int64))
        {
            throw new ArgumentException(
                $"RadiusGraph: batch must be an int64 vector with one entry per point ({posShape[0]}), got shape " +
                $"[{string.Join(", ", batchShape)}], dtype {batchDtype}.");
        }

        if (maxNumNeighbors < 0)
        {
            throw new ArgumentException($"RadiusGraph: maxNumNeighbors must be non-negative, got {maxNumNeighbors}.");
        }
    }
}
