using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Tensor product of two irreps-valued features with given paths (e3nn's <c>o3.TensorProduct</c>):
/// <c>out[i_out] += path_weight · Σ W · C^{l1 l2 lo} x1[i_in1] x2[i_in2]</c> for each <see cref="Instruction"/>,
/// with e3nn's normalisation, weight layout and broadcasting over leading batch dimensions.
/// </summary>
/// <remarks>
/// <para>Weights: one flat vector of <see cref="WeightNumel"/> numbers, the weighted instructions' blocks in order,
/// each the row-major flattening of its <see cref="Instruction.PathShape"/> — e3nn's layout, so e3nn weights load
/// unchanged (state-dict keys <c>weight</c> and <c>output_mask</c>). With <c>sharedWeights: false</c> the weights have
/// leading batch dimensions and are passed to <c>forward</c>.</para>
/// <para>Evaluation: a plan built once from the irreps, instructions and options decides how each path is
/// evaluated (the <c>"uvw"</c> paths in fused groups with one batched product per output irrep, a scalar first-input
/// irrep "scalar-first" where that pays, one merged product without autograd, <c>"uvu"</c> paths from a second-input
/// multiplicity of 1 and <c>"uuu"</c> paths in channel-wise groups per first-input irrep, the other modes path by
/// path) and holds
/// the Clebsch–Gordan blocks (path weights folded in) and index tables, which become buffers of the module's dtype;
/// docs/tensor-product.md describes the formulations. The forward uses plain tensor operations only, so the traced
/// (compiled) module runs exactly this sequence.</para>
/// </remarks>
[CompileMode(JitMode.Trace)]
public partial class TensorProduct : nn.Module<Tensor, Tensor, Tensor>, IIrrepsModule, IBatchChunked, IInputContract
{
    [ComponentName(Name = "weight")]
    private Tensor _weight;

    [ComponentName(Name = "output_mask")]
    private Tensor _outputMask;

    private readonly TensorProductPlan _plan;
    private readonly long[] _in1Sizes;
    private readonly long[] _in2Sizes;
    private readonly long[] _weightSizes;
    private string _description;

    /// <summary>Creates a tensor product.</summary>
    /// <param name="irrepsIn1">Irreps of the first input.</param>
    /// <param name="irrepsIn2">Irreps of the second input.</param>
    /// <param name="irrepsOut">Irreps of the output.</param>
    /// <param name="instructions">The paths.</param>
    /// <param name="in1Var">Variance of each irrep of the first input (default all 1).</param>
    /// <param name="in2Var">Variance of each irrep of the second input (default all 1).</param>
    /// <param name="outVar">Wanted variance of each output irrep (default all 1).</param>
    /// <param name="irrepNormalization"><c>"component"</c> (default), <c>"norm"</c> or <c>"none"</c>.</param>
    /// <param name="pathNormalization"><c>"element"</c> (default), <c>"path"</c> or <c>"none"</c>.</param>
    /// <param name="internalWeights">Whether the module holds its weights (default: shared and some path has weights).</param>
    /// <param name="sharedWeights">Whether one weight vector serves the whole batch (default <c>true</c>).</param>
    /// <param name="dtype">Floating dtype of the weights and constants (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public TensorProduct(
        Irreps irrepsIn1,
        Irreps irrepsIn2,
        Irreps irrepsOut,
        IEnumerable<Instruction> instructions,
        IReadOnlyList<double>? in1Var = null,
        IReadOnlyList<double>? in2Var = null,
        IReadOnlyList<double>? outVar = null,
        string irrepNormalization = "component",
        string pathNormalization = "element",
        bool? internalWeights = null,
        bool? sharedWeights = null,
        ScalarType? dtype = null,
        Device? device = null)
        : this(nameof(TensorProduct), irrepsIn1, irrepsIn2, irrepsOut, instructions, in1Var, in2Var, outVar,
            irrepNormalization, pathNormalization, internalWeights, sharedWeights, dtype, device)
    {
    }

    /// <summary>Creates a tensor product with a module name (for subclasses).</summary>
    /// <param name="name">Module name.</param>
    /// <param name="irrepsIn1">Irreps of the first input.</param>
    /// <param name="irrepsIn2">Irreps of the second input.</param>
    /// <param name="irrepsOut">Irreps of the output.</param>
    /// <param name="instructions">The paths.</param>
    /// <param name="in1Var">Variance of each irrep of the first input (default all 1).</param>
    /// <param name="in2Var">Variance of each irrep of the second input (default all 1).</param>
    /// <param name="outVar">Wanted variance of each output irrep (default all 1).</param>
    /// <param name="irrepNormalization"><c>"component"</c>, <c>"norm"</c> or <c>"none"</c>.</param>
    /// <param name="pathNormalization"><c>"element"</c>, <c>"path"</c> or <c>"none"</c>.</param>
    /// <param name="internalWeights">Whether the module holds its weights.</param>
    /// <param name="sharedWeights">Whether one weight vector serves the whole batch.</param>
    /// <param name="dtype">Floating dtype of the weights and constants.</param>
    /// <param name="device">Device.</param>
    protected TensorProduct(
        string name,
        Irreps irrepsIn1,
        Irreps irrepsIn2,
        Irreps irrepsOut,
        IEnumerable<Instruction> instructions,
        IReadOnlyList<double>? in1Var,
        IReadOnlyList<double>? in2Var,
        IReadOnlyList<double>? outVar,
        string irrepNormalization,
        string pathNormalization,
        bool? internalWeights,
        bool? sharedWeights,
        ScalarType? dtype,
        Device? device)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(irrepsIn1);
        ArgumentNullException.ThrowIfNull(irrepsIn2);
        ArgumentNullException.ThrowIfNull(irrepsOut);
        ArgumentNullException.ThrowIfNull(instructions);
        IrrepsIn1 = irrepsIn1;
        IrrepsIn2 = irrepsIn2;
        IrrepsOut = irrepsOut;
        var where = $"{name}({irrepsIn1} x {irrepsIn2} -> {irrepsOut})";
        TensorProductInstructions.CheckOptions(where, irrepNormalization, pathNormalization);
        IrrepNormalization = irrepNormalization;
        PathNormalization = pathNormalization;
        var normalized = TensorProductInstructions.Normalize(where, irrepsIn1, irrepsIn2, irrepsOut, instructions.ToList(),
            in1Var, in2Var, outVar, irrepNormalization, pathNormalization);
        Instructions = normalized;

        if (sharedWeights == false && internalWeights is null) internalWeights = false;
        SharedWeights = sharedWeights ?? true;
        InternalWeights = internalWeights ?? (SharedWeights && normalized.Any(i => i.HasWeight));
        if (!SharedWeights && InternalWeights)
        {
            throw new ArgumentException($"{where}: internal weights require shared weights (sharedWeights: true).",
                nameof(internalWeights));
        }
        WeightNumel = normalized.Where(i => i.HasWeight).Sum(i => i.PathNumel);

        var dt = dtype ?? get_default_dtype();
        if (!E3Sharp.O3.Modules.ModuleChecks.IsFloating(dt))
        {
            throw new ArgumentException($"{where}: dtype must be a floating type, got {dt}.", nameof(dtype));
        }
        var dev = device ?? CPU;

        _weight = InternalWeights && WeightNumel > 0
            ? new Parameter(randn(new long[] { WeightNumel }, dt, dev))
            : empty(new long[] { 0 }, dt, dev);
        _outputMask = BuildOutputMask(dt, dev);
        _plan = TensorProductPlanBuilder.Build(irrepsIn1, irrepsIn2, irrepsOut, normalized, SharedWeights);
        _in1Sizes = irrepsIn1.Select(m => (long)m.Dim).ToArray();
        _in2Sizes = irrepsIn2.Select(m => (long)m.Dim).ToArray();
        _weightSizes = WeightSizes(normalized);
        _description = Describe(name);

        RegisterComponents();
        RegisterConstants(dt, dev);
    }

    // The subclasses' one constructor path: irreps and instructions computed before construction, no variances,
    // e3nn's "element" path normalisation.
    private protected TensorProduct(string name, TensorProductSpec spec, string irrepNormalization, bool? internalWeights,
        bool? sharedWeights, ScalarType? dtype, Device? device)
        : this(name, spec.In1, spec.In2, spec.Out, spec.Instructions, null, null, null, irrepNormalization, "element",
            internalWeights, sharedWeights, dtype, device)
    {
    }

    /// <summary>Irreps of the first input.</summary>
    public Irreps IrrepsIn1 { get; }

    /// <summary>Irreps of the second input.</summary>
    public Irreps IrrepsIn2 { get; }

    /// <summary>Irreps of the output.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>The irreps of <c>forward</c>'s tensor arguments: <c>[IrrepsIn1, IrrepsIn2]</c>.</summary>
    public virtual IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsIn1, IrrepsIn2 };

    /// <summary>The paths, with their final (normalised) path weights and path shapes.</summary>
    public IReadOnlyList<Instruction> Instructions { get; }

    /// <summary>The irrep normalisation (<c>"component"</c>, <c>"norm"</c> or <c>"none"</c>).</summary>
    public string IrrepNormalization { get; }

    /// <summary>The path normalisation (<c>"element"</c>, <c>"path"</c> or <c>"none"</c>).</summary>
    public string PathNormalization { get; }

    /// <summary>Whether one weight vector is used for the whole batch.</summary>
    public bool SharedWeights { get; }

    /// <summary>Whether the module holds its weights as a parameter.</summary>
    public bool InternalWeights { get; }

    /// <summary>Number of weights (length of the flat weight vector).</summary>
    public int WeightNumel { get; }

    /// <summary>The internal weights (a parameter of <see cref="WeightNumel"/> elements), or an empty buffer.</summary>
    public Tensor Weight => _weight;

    /// <summary>1 for the output components some path writes to, 0 for the others (e3nn's <c>output_mask</c>).</summary>
    public Tensor OutputMask => _outputMask;

    /// <summary>Evaluates the tensor product with the internal weights.</summary>
    /// <param name="x">First input, shape <c>[..., IrrepsIn1.Dim]</c>.</param>
    /// <param name="y">Second input, shape <c>[..., IrrepsIn2.Dim]</c>.</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c> (leading dimensions broadcast).</returns>
    public override Tensor forward(Tensor x, Tensor y) => forward(x, y, null);

    /// <summary>Evaluates the tensor product.</summary>
    /// <param name="x">First input, shape <c>[..., IrrepsIn1.Dim]</c>.</param>
    /// <param name="y">Second input, shape <c>[..., IrrepsIn2.Dim]</c>.</param>
    /// <param name="weight">Weights: <c>null</c> for the internal ones, else shape <c>[WeightNumel]</c> (shared) or
    /// <c>[..., WeightNumel]</c> (not shared).</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c> (leading dimensions broadcast).</returns>
    public Tensor forward(Tensor x, Tensor y, Tensor? weight)
    {
        InputContract.Check(this, x, y, weight);
        var w = ResolveWeight(weight);
        // Large batches in chunks of rows, as the compiled module does (IBatchChunked); the tracer records one piece.
        // Intermediates are released when the call (or the chunk) ends, as TorchScript releases them when they die:
        // the next chunk then reuses memory that is still in cache.
        using var scope = NewDisposeScope();
        if (BatchChunks.Split(this, x, y, w) is { } chunks)
        {
            var pieces = new List<Tensor>(chunks.Length);
            foreach (var c in chunks)
            {
                using var chunkScope = NewDisposeScope();
                pieces.Add(Compute(c[0], c[1], c[2]).MoveToOuterDisposeScope());
            }
            var result = cat(pieces, 0);
            // Inputs with several batch dimensions were chunked as rows (as the compiled forward flattens them).
            return (x.dim() > 2 ? result.unflatten(0, x.shape[..^1]) : result).MoveToOuterDisposeScope();
        }
        return Compute(x, y, w).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The operator with the first input left free (e3nn's <c>right</c>): a tensor <c>R</c> of shape
    /// <c>[..., IrrepsIn1.Dim, IrrepsOut.Dim]</c> with <c>forward(x, y) = einsum("...i,...ij->...j", x, R)</c>.
    /// </summary>
    /// <param name="y">Second input, shape <c>[..., IrrepsIn2.Dim]</c>.</param>
    /// <param name="weight">Weights as in <see cref="forward(Tensor, Tensor, Tensor?)"/>.</param>
    public Tensor Right(Tensor y, Tensor? weight = null)
    {
        var dtype = _outputMask.dtype;
        InputContract.Check(this, null, y, weight);
        var w = ResolveWeight(weight);
        var identity = eye(IrrepsIn1.Dim, dtype: dtype, device: y.device);
        var wRight = SharedWeights ? w : w.unsqueeze(-2);
        return Compute(identity, y.unsqueeze(-2), wRight);
    }

    /// <summary>The block of the weights belonging to instruction <paramref name="instruction"/>, viewed with shape
    /// <c>[..., PathShape]</c>.</summary>
    /// <param name="instruction">Index into <see cref="Instructions"/>; the instruction must have weights.</param>
    /// <param name="weight">Weights as in <c>forward</c>; <c>null</c> for the internal ones.</param>
    public Tensor WeightView(int instruction, Tensor? weight = null)
    {
        if (instruction < 0 || instruction >= Instructions.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(instruction),
                $"{_description}: instruction {instruction} does not exist (there are {Instructions.Count}).");
        }
        var ins = Instructions[instruction];
        if (!ins.HasWeight)
        {
            throw new ArgumentException($"{_description}: instruction {instruction} has no weights.", nameof(instruction));
        }
        var w = ResolveWeight(weight);
        var offset = Instructions.Take(instruction).Where(i => i.HasWeight).Sum(i => i.PathNumel);
        var view = w.narrow(-1, offset, ins.PathNumel);
        return view.unflatten(^1, ins.PathShape.Select(s => (long)s).ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => _description;

    // The plan (read by the tests).
    internal TensorProductPlan Plan => _plan;

    /// <summary>
    /// Rows per chunk when a forward gets a large batch of rows, eager and compiled (<see cref="IBatchChunked"/>):
    /// the power of two that keeps one chunk's inputs, intermediates and output within about 6 MiB (so that they stay
    /// in the processor's cache), at least 128.
    /// </summary>
    public long BatchChunkRows
    {
        get
        {
            var bytes = _plan.ChunkValuesPerRow * _outputMask.element_size();
            var rows = 128L;
            while (rows * 2 * bytes <= 6 << 20 && rows < 1 << 20) rows *= 2;
            return rows;
        }
    }

    /// <inheritdoc />
    bool IBatchChunked.IsRowArgument(int index) => index < 2 || !SharedWeights;

    IReadOnlyList<Tensor[]> ITracingInputs.MakeTracingInputs(int n)
    {
        var inputs = IrrepsModuleInputs.MakeRandomInputs(this, n);
        if (InternalWeights || WeightNumel == 0) return inputs;
        var result = new List<Tensor[]>();
        foreach (var args in inputs)
        {
            var shape = SharedWeights ? new long[] { WeightNumel } : new long[] { args[0].shape[0], WeightNumel };
            // forward(x, y, weight); a tensor square (one input) is called as forward(x, x, weight).
            result.Add(new[] { args[0], args[^1], randn(shape, _outputMask.dtype, _outputMask.device) });
        }
        return result;
    }

    /// <inheritdoc cref="ConstantSet.RegisterInto"/>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        RegisterConstants(_outputMask.dtype, _outputMask.device);
    }

    private void RegisterConstants(ScalarType dtype, Device device) =>
        _plan.Constants.RegisterInto(this, (name, t) => ConditionallyRegisterBuffer(name, t, persistent: false), dtype, device, _plan.Holds);

    // ---------------------------------------------------------------------------------------------------------------
    // Evaluation

    private Tensor ResolveWeight(Tensor? weight)
    {
        if (weight is null)
        {
            if (WeightNumel > 0 && !InternalWeights)
            {
                throw new ArgumentException(
                    $"{_description}: weights must be provided when the tensor product has no internal weights " +
                    $"(expected shape {(SharedWeights ? $"[{WeightNumel}]" : $"[..., {WeightNumel}]")}).", nameof(weight));
            }
            return _weight;
        }
        var dtype = _outputMask.dtype;
        var ok = weight.dtype == dtype && weight.dim() >= 1 && weight.shape[^1] == WeightNumel
                 && (SharedWeights ? weight.dim() == 1 : weight.dim() > 1);
        if (!ok)
        {
            var expected = SharedWeights
                ? $"[{WeightNumel}] (shared weights)"
                : $"[..., {WeightNumel}] with at least one batch dimension (sharedWeights: false)";
            throw new ArgumentException(
                $"{_description}: weight must have shape {expected} and dtype {dtype}, but got a tensor of shape " +
                $"{ModuleChecks.ShapeOf(weight.shape)} and dtype {weight.dtype}.", nameof(weight));
        }
        return weight;
    }

    private Tensor BuildOutputMask(ScalarType dtype, Device device)
    {
        var mask = new List<double>();
        for (var o = 0; o < IrrepsOut.Length; o++)
        {
            var reached = Instructions.Any(i => i.IOut == o && i.PathWeight != 0 && !i.PathShape.Contains(0));
            mask.AddRange(Enumerable.Repeat(reached ? 1.0 : 0.0, IrrepsOut[o].Dim));
        }
        return tensor(mask.ToArray(), new long[] { mask.Count }, dtype, device);
    }

    private string Describe(string name)
    {
        var npath = Instructions.Sum(i => i.PathNumel);
        return $"{name}({IrrepsIn1.Simplify()} x {IrrepsIn2.Simplify()} -> {IrrepsOut.Simplify()} | {npath} paths | " +
               $"{WeightNumel} weights)";
    }

    /// <summary>Overrides the description used in <see cref="ToString"/> and error messages (for subclasses).</summary>
    /// <param name="description">The new description.</param>
    protected void SetDescription(string description) => _description = description;


}
