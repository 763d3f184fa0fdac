using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// How a <see cref="TensorProduct"/> evaluates, decided once from its irreps, instructions and options
/// (<see cref="TensorProductPlanBuilder"/>): pure data, no tensors. The constants (path-weighted Clebsch–Gordan
/// blocks, index tables) are kept in double precision in <see cref="Constants"/>; the module materialises those its
/// formulations use (<see cref="Holds"/>) as buffers.
/// </summary>
/// <param name="Outputs">Per output irrep (multiplicity above 0), in order: what adds up to it.</param>
/// <param name="Fused">The fused groups of <c>"uvw"</c> paths.</param>
/// <param name="OutputPermutation">The gather from the concatenated outputs (fused ones component-major) to e3nn's
/// layout, or null when no output is component-major.</param>
/// <param name="Mergeable">Whether the evaluation without autograd merges the fused groups (every group with
/// per-sample products can; a group of only scalar-first paths has none and runs the same in both grad modes).</param>
/// <param name="ChunkValuesPerRow">Values one row of a forward holds (inputs, intermediates, output).</param>
/// <param name="Constants">The constants, by buffer name.</param>
/// <param name="Channel">The channel-wise groups (<c>"uvu"</c> from a second-input multiplicity of 1, <c>"uuu"</c>).</param>
/// <param name="UvuCg">The constant that turns x2 into every <c>"uvu"</c> group's operator (one product), or null.</param>
/// <param name="UvuSizes">The parts of x2 · UvuCg, one per <c>"uvu"</c> group.</param>
/// <param name="ScatterPermutation">TensorProduct.ScatterSum's gather from the channel groups' columns summed per node
/// to e3nn's layout, or null when the plan has other paths (ScatterSum then sums the forward's output).</param>
internal sealed record TensorProductPlan(
    OutputPlan[] Outputs,
    FusedGroup[] Fused,
    string? OutputPermutation,
    bool Mergeable,
    long ChunkValuesPerRow,
    ConstantSet Constants,
    ChannelGroup[] Channel,
    string? UvuCg,
    long[] UvuSizes,
    string? ScatterPermutation)
{
    /// <summary>Whether some path is evaluated outside the fused groups (the inputs are then split per irrep).</summary>
    public bool HasUnfusedPaths => Channel.Length > 0 || Outputs.Any(op => op.Uvw.Length > 0 || op.Others.Length > 0);

    /// <summary>
    /// Whether the component-major fused outputs reach e3nn's layout by one gather of the whole output (float32),
    /// rather than a transposing copy per output irrep (float64, where LibTorch's index_select along the features
    /// is much slower than those copies). Without autograd a mergeable plan needs neither (merged groups write e3nn's
    /// layout).
    /// </summary>
    public bool GathersOutput(ScalarType dtype, bool merged) =>
        !merged && OutputPermutation is not null && dtype != ScalarType.Float64;

    /// <summary>
    /// The evaluations of a fused group in order of preference (as e3nn's codegen providers): the first whose
    /// condition holds runs. <c>merged</c>: the call runs without autograd and the plan is mergeable.
    /// </summary>
    public static readonly IReadOnlyList<(FusedGroupStrategy Strategy, Func<FusedGroup, bool, bool> Applies)> Strategies =
    [
        (FusedGroupStrategy.Merged, (g, merged) => merged && g.Merged is not null),
        (FusedGroupStrategy.Fused, (_, _) => true),
    ];

    /// <summary>The strategy that evaluates <paramref name="group"/> (see <see cref="Strategies"/>).</summary>
    public static FusedGroupStrategy StrategyFor(FusedGroup group, bool merged) =>
        Strategies.First(s => s.Applies(group, merged)).Strategy;

    /// <summary>Whether a module of <paramref name="dtype"/> needs the constant <paramref name="name"/>.</summary>
    public bool Holds(string name, ScalarType dtype) =>
        name != OutputPermutation || GathersOutput(dtype, merged: false);
}

/// <summary>How a fused group is evaluated.</summary>
internal enum FusedGroupStrategy
{
    /// <summary>Without autograd: one batched product for all the group's dense outputs (TensorProduct.Merged.cs).</summary>
    Merged,

    /// <summary>One batched product per output irrep, in the component-major or e3nn layout (TensorProduct.Fused.cs).</summary>
    Fused,
}

/// <summary>A path evaluated on its own (or in an unfused <c>"uvw"</c> block): its CG constant <c>[J, I·K]</c>,
/// weight block, and for <c>"uvu&lt;v"</c> / <c>"u&lt;vw"</c> the upper-triangle index; the einsum equation of the
/// weighted modes.</summary>
internal sealed record PathPlan(
    string Mode,
    bool HasWeight,
    long WeightOffset,
    long WeightNumel,
    int WeightPart,
    long[] PathShape,
    int IIn1,
    long Mul1,
    long Dim1,
    int IIn2,
    long Mul2,
    long Dim2,
    string Cg,
    string? Triu,
    string? Equation);

/// <summary>Unfused <c>"uvw"</c> paths of one output from one first-input irrep; <see cref="V"/> is the total
/// multiplicity of their second inputs.</summary>
internal sealed record UvwGroup(int IIn1, long Mul1, long Dim1, PathPlan[] Paths)
{
    public long V { get; } = Paths.Sum(p => p.Mul2);
}

/// <summary>
/// One output irrep: its unfused <c>"uvw"</c> blocks and other paths; Fused when fused groups also write it.
/// KMajor: the output comes only from fused groups and stays in their <c>[..., K·w]</c> (component-major) layout until
/// the final permutation.
/// </summary>
internal sealed record OutputPlan(
    int IOut, long Mul, long Dim, UvwGroup[] Uvw, bool Fused, PathPlan[] Others, bool AnyWeighted, bool Channel)
{
    public bool KMajor => Fused && Uvw.Length == 0 && Others.Length == 0 && !Channel && LayoutsDiffer;

    // Whether [..., K·w] and [..., w·K] are different orders (both K and w above 1).
    public bool LayoutsDiffer => Dim > 1 && Mul > 1;
}

/// <summary>
/// Fused <c>"uvw"</c> paths with first-input multiplicity U: constant Cg <c>[D2, Σ_owners K·slots·Ī + Σ K·R]</c> (the
/// owners' operators, then the scalar-first columns), gather In1Index of x1's columns (the dense first-input irreps as
/// <c>[Ī, u]</c>, then the scalar-first irrep's u columns), and weight permutation WeightIndex (the <c>[V·U, W]</c>
/// matrices of the outputs with dense paths, in Outputs order, then the scalar-first <c>[U, Σ R·W]</c>). Owners are the
/// outputs with their own batched product (dense paths, not a guest).
/// </summary>
internal sealed record FusedGroup(
    long U, long IBar, string Cg, string WeightIndex, string In1Index, FusedOutput[] Outputs)
{
    public MergedPlan? Merged { get; init; }

    public int[] Owners { get; } = OwnersOf(Outputs);

    // The outputs with scalar-first paths.
    public int[] ScalarFirst { get; } = Enumerable.Range(0, Outputs.Length).Where(i => Outputs[i].R > 0).ToArray();

    // Columns of the scalar-first block of Cg, and width of Y (Σ R·W).
    public long ScalarColumns { get; } = Outputs.Sum(o => o.K * o.R);
    public long ScalarWidth { get; } = Outputs.Sum(o => o.R * o.W);

    // Parts of x2 · Cg: the owners' operators, then the scalar-first block.
    public long[] CgSizes { get; } = OwnersOf(Outputs).Select(i => Outputs[i].K * Outputs[i].Slots * IBar)
        .Concat(Outputs.Any(o => o.R > 0) ? new[] { Outputs.Sum(o => o.K * o.R) } : Array.Empty<long>()).ToArray();

    // Parts of the gathered weights: each output with dense paths, then the scalar-first matrix.
    public long[] WeightSizes { get; } = Outputs.Where(o => o.V > 0).Select(o => o.V * U * o.W)
        .Concat(Outputs.Any(o => o.R > 0) ? new[] { U * Outputs.Sum(o => o.R * o.W) } : Array.Empty<long>()).ToArray();

    // Index of output s's weights among the parts (WeightSizes), or -1.
    public int WeightPart(int s) => Outputs[s].V > 0 ? Outputs.Take(s).Count(o => o.V > 0) : -1;

    private static int[] OwnersOf(FusedOutput[] outputs) =>
        Enumerable.Range(0, outputs.Length).Where(i => outputs[i].Host < 0 && outputs[i].V > 0).ToArray();
}

/// <summary>
/// A fused group's dense outputs (Members, indices into the group's outputs) evaluated without autograd: constant
/// Cg <c>[D2, Components·P·Ī + scalar-first columns]</c> (rows: output component, then P second-input rows, V of them
/// used per output), weight permutation WeightIndex for <c>[Components, P·u, W]</c> (Padded: it reads one zero appended
/// to the weights; DenseWeights entries) then the scalar-first <c>[u, Σ R·w]</c>, and the members' dimensions.
/// </summary>
internal sealed record MergedPlan(string Cg, string WeightIndex, long Components, long P, long W, bool Padded,
    long[] Dims, int[] Members, long DenseColumns, long DenseWeights);

/// <summary>
/// One output irrep of a fused group: multiplicity W, dimension K, V second-input rows over its dense paths, R over
/// its scalar-first paths. Host: the output whose product also computes this (scalar) one, or -1; Guest: the scalar
/// output this one computes in an extra row block, or -1.
/// </summary>
internal sealed record FusedOutput(int IOut, long W, long K, long V, long R, int[] Instructions, int Host, int Guest)
{
    // Row blocks per output component in the owner's product: V, plus one for a guest.
    public long Slots => V + (Guest >= 0 ? 1 : 0);
}

/// <summary>A channel-wise path of a <see cref="ChannelGroup"/>: its output irrep (dimension K) and weight block
/// (WeightPart: its index among the weighted instructions' blocks, the weights' split).</summary>
internal sealed record ChannelPath(int Instruction, int IOut, long K, bool HasWeight, long WeightOffset, long WeightNumel,
    int WeightPart);

/// <summary>
/// Channel-wise paths from one first-input irrep (multiplicity U, dimension I), evaluated together
/// (TensorProduct.Channel.cs). <c>"uvu"</c>: part UvuPart of x2 · UvuCg is the operator <c>[..., I, ΣK]</c>.
/// <c>"uuu"</c>: x2's blocks of multiplicity U, gathered channel-major by In2Index (null: the one block IIn2), are
/// <c>[..., U, J]</c>; the outer product with x1 <c>[..., U, I·J]</c> times Cg <c>[I·J, ΣK]</c> is one matrix product.
/// Either product gives the group's columns <c>[..., U, ΣK]</c>. WeightIndex (when every path has weights): the weight
/// of each of those U·ΣK columns, gathered from the whole weight tensor; Layout (more than one path): the permutation
/// from the columns to the paths' e3nn blocks <c>[..., U·K]</c> one after another.
/// </summary>
internal sealed record ChannelGroup(string Mode, int IIn1, long U, long I, string? Cg, string? In2Index, int IIn2,
    long J, int UvuPart, ChannelPath[] Paths, string? WeightIndex, string? Layout)
{
    // The paths' output dimensions (the columns of the group's product).
    public long[] KSizes { get; } = Paths.Select(p => p.K).ToArray();

    // The group's columns U·ΣK (its product's width).
    public long Columns { get; } = U * Paths.Sum(p => p.K);

    // The paths' e3nn blocks [U·K], one after another after Layout.
    public long[] BlockSizes { get; } = Paths.Select(p => U * p.K).ToArray();

    // Whether, under autograd, the whole group is weighed by WeightIndex (or needs no weights) and laid out by Layout;
    // else each path is weighed apart (weights on some paths only).
    public bool WeighedAtOnce { get; } = WeightIndex is not null || Paths.All(p => !p.HasWeight);

    // "uvu" with a scalar first input (I = 1): the columns are an outer product. LibTorch runs a batched product of
    // under 400 multiply-adds per matrix in a naive loop, slower than a broadcast multiplication; above that its MKL
    // batched GEMM is faster, backward included, than the broadcast's backward reductions (bench/RESULTS.md).
    public bool OuterByBroadcast { get; } = Mode == "uvu" && I == 1 && U * Paths.Sum(p => p.K) < 400;
}
