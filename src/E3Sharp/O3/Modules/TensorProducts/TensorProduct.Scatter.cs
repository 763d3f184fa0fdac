using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// The sum over a graph's edges of a message-passing convolution (NequIP's and MACE's interaction), with the sum taken
// before the channel groups' columns are put in e3nn's layout.
public partial class TensorProduct
{
    /// <summary>
    /// Whether the compiled module also has the method
    /// <c>scatter_sum(x, edge_attr, weight, edge_index)</c> (<see cref="ScatterSum"/> compiled), which a scripted
    /// module calling <see cref="ScatterSum"/> on this product needs. Only for products with external weights.
    /// Default false.
    /// </summary>
    public bool CompileScatterSum { get; set; }

    /// <summary>
    /// The products over a graph's edges summed per node, as a message-passing convolution computes them:
    /// <c>out[i] = Σ_{e: edgeIndex[0, e] = i} forward(x[edgeIndex[1, e]], edgeAttr[e], weight[e])</c>.
    /// </summary>
    /// <remarks>
    /// Equal to <c>zeros(N, IrrepsOut.Dim).index_add(0, edgeIndex[0], forward(x.index_select(0, edgeIndex[1]),
    /// edgeAttr, weight))</c>. Under autograd, when every output irrep is reached by one channel-wise path (NequIP's
    /// convolution), the products are summed per node in their computed order and only the node sums are put in
    /// e3nn's layout: the per-edge gather to that layout, and its backward, are gone (docs/tensor-product.md).
    /// </remarks>
    /// <example>
    /// <code>
    /// // NequIP: messages from neighbours (row 1) summed into centres (row 0)
    /// var summed = tp.ScatterSum(nodeFeatures, edgeSh, radial.forward(edgeEmbedding), edgeIndex);
    /// </code>
    /// </example>
    /// <param name="x">Node features <c>[N, IrrepsIn1.Dim]</c>.</param>
    /// <param name="edgeAttr">Second input per edge <c>[E, IrrepsIn2.Dim]</c>.</param>
    /// <param name="weight">Per-edge weights <c>[E, WeightNumel]</c>, shared weights <c>[WeightNumel]</c>, or null for
    /// the internal ones.</param>
    /// <param name="edgeIndex">Edges <c>[2, E]</c> (int64): row 0 the node each product is added to, row 1 the node
    /// whose features it reads.</param>
    /// <returns>Node sums <c>[N, IrrepsOut.Dim]</c>.</returns>
    [Export(Name = "scatter_sum")]
    public Tensor ScatterSum(Tensor x, Tensor edgeAttr, Tensor? weight, Tensor edgeIndex)
    {
        ScatterSumChecks.Check(this, x, edgeAttr, weight, edgeIndex);
        var w = ResolveWeight(weight);
        using var scope = NewDisposeScope();
        var target = edgeIndex.select(0, 0);
        var x1 = x.index_select(0, edgeIndex.select(0, 1));
        var zero = zeros_like(x.narrow(1, 0, 1));                                                  // [N, 1]
        using var unitAlpha = 1.ToScalar();
        if (TorchScript.GradEnabled && _plan.ScatterPermutation is { } permutation)
        {
            var columns = new List<Tensor>();
            ChannelProducts(edgeAttr, w, x1.SplitLast(_in1Sizes), edgeAttr.SplitLast(_in2Sizes),
                WeightNumel == 0 ? Array.Empty<Tensor>() : w.SplitLast(_weightSizes), new Tensor?[IrrepsOut.Length], columns);
            var sums = new List<Tensor>();
            for (var n = 0; n < columns.Count; n++)
            {
                sums.Add(zero.expand(-1, _plan.Channel[n].Columns).index_add(0, target, columns[n], unitAlpha));
            }
            return cat(sums, 1).index_select(1, get_buffer(permutation)!).MoveToOuterDisposeScope();
        }
        var messages = Compute(x1, edgeAttr, w);
        return zero.expand(-1, IrrepsOut.Dim).index_add(0, target, messages, unitAlpha).MoveToOuterDisposeScope();
    }

    // scatter_sum's example inputs: 5 nodes, 7 edges (every node reached), external weights only (the traced method
    // takes a weight tensor).
    private Tensor[]? ScatterSumExportInputs()
    {
        if (InternalWeights || WeightNumel == 0)
        {
            return null;
        }

        var dtype = _outputMask.dtype;
        var device = _outputMask.device;
        var x = IrrepsIn1.Randn(new long[] { 5, -1 }, dtype, device);
        var edgeAttr = IrrepsIn2.Randn(new long[] { 7, -1 }, dtype, device);
        var weight = SharedWeights ? randn(new long[] { WeightNumel }, dtype, device) : randn(new long[] { 7, WeightNumel }, dtype, device);
        var edgeIndex = tensor(new long[] { 0, 1, 2, 3, 4, 0, 2, 1, 2, 3, 4, 0, 3, 4 }, device: device).view(2, 7);
        return new[] { x, edgeAttr, weight, edgeIndex };
    }

    // The edge index [2, E]: its edges follow the call, its two rows do not.
    bool[]? ITracingInputs.ExportFreeDimensions(string exportName, int index) =>
        exportName == "scatter_sum" && index == 3 ? new[] { false, true } : null;
}

// Outside the module class: the tracing twin runs an external check on the real tensors, so its reads of sizes and
// values do not enter the trace.
internal static class ScatterSumChecks
{
    // The contract (what the compiled scatter_sum checks too), then what only eager code can see: one edge count in
    // all edge tensors, one batch dimension, and nodes that exist.
    [EagerOnly]
    public static void Check(TensorProduct tp, Tensor x, Tensor edgeAttr, Tensor? weight, Tensor edgeIndex)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(edgeAttr);
        ArgumentNullException.ThrowIfNull(edgeIndex);
        tp.ScatterSumContract.Check(tp, x, edgeAttr, weight, edgeIndex);
        var what = tp.ScatterSumContract.Module;
        var edges = edgeIndex.shape[^1];
        if (x.dim() != 2 || edgeIndex.dim() != 2 || edgeAttr.dim() != 2 || edgeAttr.shape[0] != edges ||
            (weight is not null && !tp.SharedWeights && (weight.dim() != 2 || weight.shape[0] != edges)))
        {
            throw new ArgumentException(
                $"{what}: x must be [N, {tp.IrrepsIn1.Dim}], edgeAttr [E, {tp.IrrepsIn2.Dim}], " +
                (weight is not null && !tp.SharedWeights ? $"weight [E, {tp.WeightNumel}] " : "") +
                $"and edgeIndex [2, E] with one number of edges E, but got x {InputContract.ShapeText(x.shape)}, " +
                $"edgeAttr {InputContract.ShapeText(edgeAttr.shape)}, " +
                (weight is not null ? $"weight {InputContract.ShapeText(weight.shape)}, " : "") +
                $"edgeIndex {InputContract.ShapeText(edgeIndex.shape)}.", nameof(edgeIndex));
        }
        if (edges > 0)
        {
            using var scope = NewDisposeScope();
            var (min, max) = (edgeIndex.min().item<long>(), edgeIndex.max().item<long>());
            if (min < 0 || max >= x.shape[0])
            {
                throw new ArgumentException(
                    $"{what}: edgeIndex holds node {(min < 0 ? min : max)}, but there are {x.shape[0]} nodes (x).",
                    nameof(edgeIndex));
            }
        }
    }
}
