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
/// <para>Evaluation: the Clebsch–Gordan blocks (with the path weights folded in) and index tables are buffers built
/// once. The <c>"uvw"</c> paths (fully connected products) are evaluated in fused groups: one gather stacks the group's
/// first-input irreps as <c>[..., Ī, u]</c>; one product of the second input with a constant holding every path's CG
/// gives, per output irrep, a <c>[..., K·V, Ī]</c> operator; their batched product is <c>[..., K, V·u]</c>, laid out
/// so that a single matrix product with the output irrep's stacked weights <c>[V·u, w]</c> (one gather of the weight
/// vector) mixes all its paths without copying the operand. A scalar output irrep rides along in another output's
/// batched product (an extra row block), saving a per-sample product call. Where it pays (large multiplicities, or a
/// scalar alone in its group) the paths of a group's scalar first-input irrep are evaluated "scalar-first": one matrix
/// product mixes that irrep with their weights (<c>[..., u]·[u, R·w]</c>, u·w multiply-adds per path and row instead
/// of K·u·w), and each output adds its part of x2·CG times that (<c>addcmul</c>, an outer product). In float32 the
/// mixed outputs stay
/// component-major (<c>[..., K, w]</c>) and one gather of the concatenated output brings them to e3nn's
/// <c>[..., w, K]</c> layout; in float64 (where LibTorch's gather is slower) each is transposed. Other modes contract
/// each path's CG block with the second input first, then the first input. The forward uses plain tensor operations
/// only, so the traced (compiled) module runs exactly this sequence.</para>
/// </remarks>
[CompileMode(JitMode.Trace)]
public partial class TensorProduct : nn.Module<Tensor, Tensor, Tensor>, IIrrepsModule, IBatchChunked, IInputContract
{
    private static readonly string[] Modes = { "uvw", "uvu", "uvv", "uuw", "uuu", "uvuv", "uvu<v", "u<vw" };

    // Largest total dimension of the first-input irreps of one fused group: Ī, the irreps stacked for the per-sample
    // products (dense over them: a path only uses its own irrep's I of the Ī columns), plus a scalar-first irrep's 1.
    private const int MaxFusedDim = 16;

    // See ScalarFirstPays.
    private const int ScalarFirstMinRatio = 20;

    [ComponentName(Name = "weight")]
    private Tensor _weight;

    [ComponentName(Name = "output_mask")]
    private Tensor _outputMask;
    private readonly long _chunkValuesPerRow;

    private readonly ConstantSet _constants = new();
    private readonly OutputPlan[] _plan;
    private readonly FusedGroup[] _fused;
    private readonly string? _outputPermutation;
    private readonly bool _mergeable;
    private readonly Dictionary<int, double[]> _pathCg = new();
    private readonly long[] _in1Sizes;
    private readonly long[] _in2Sizes;
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

        if (irrepNormalization is not ("component" or "norm" or "none"))
        {
            throw new ArgumentException(
                $"{where}: irrepNormalization must be \"component\", \"norm\" or \"none\", got \"{irrepNormalization}\".",
                nameof(irrepNormalization));
        }
        if (pathNormalization is not ("element" or "path" or "none"))
        {
            throw new ArgumentException(
                $"{where}: pathNormalization must be \"element\", \"path\" or \"none\", got \"{pathNormalization}\".",
                nameof(pathNormalization));
        }
        IrrepNormalization = irrepNormalization;
        PathNormalization = pathNormalization;

        var raw = instructions.ToList();
        var shaped = new List<Instruction>(raw.Count);
        for (var n = 0; n < raw.Count; n++)
        {
            shaped.Add(Validate(where, n, raw[n]));
        }

        var v1 = Variances(where, nameof(in1Var), in1Var, irrepsIn1.Length);
        var v2 = Variances(where, nameof(in2Var), in2Var, irrepsIn2.Length);
        var vo = Variances(where, nameof(outVar), outVar, irrepsOut.Length);

        var normalized = new List<Instruction>(shaped.Count);
        foreach (var ins in shaped)
        {
            var ir1 = irrepsIn1[ins.IIn1].Ir;
            var ir2 = irrepsIn2[ins.IIn2].Ir;
            var irO = irrepsOut[ins.IOut].Ir;
            double alpha = irrepNormalization switch
            {
                "component" => irO.Dim,
                "norm" => ir1.Dim * ir2.Dim,
                _ => 1.0,
            };
            double x = 1.0;
            if (pathNormalization == "element")
            {
                x = 0.0;
                foreach (var other in shaped)
                {
                    if (other.IOut == ins.IOut) x += v1[other.IIn1] * v2[other.IIn2] * NumElements(other);
                }
            }
            else if (pathNormalization == "path")
            {
                x = v1[ins.IIn1] * v2[ins.IIn2] * NumElements(ins) * shaped.Count(o => o.IOut == ins.IOut);
            }
            if (x > 0.0) alpha /= x;
            alpha *= vo[ins.IOut];
            alpha *= ins.PathWeight;
            normalized.Add(ins with { PathWeight = Math.Sqrt(alpha) });
        }
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
        _in1Sizes = irrepsIn1.Select(m => (long)m.Dim).ToArray();
        _in2Sizes = irrepsIn2.Select(m => (long)m.Dim).ToArray();
        (_plan, _fused) = BuildPlan();
        _pathCg.Clear();
        _outputPermutation = AddOutputPermutation();
        // Merged without autograd when every group with per-sample products can merge (a group of only scalar-first
        // paths has none; it runs the same way in both grad modes).
        _mergeable = _fused.Any(g => g.Merged is not null) && _fused.All(g => g.Merged is not null || g.Owners.Length == 0);
        _chunkValuesPerRow = ChunkValuesPerRow();
        _description = Describe(name);

        RegisterComponents();
        RegisterConstants(dt, dev);
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
        // the next chunk then reuses memory that is still in cache (measured: 8 chunks of 512 rows holding their
        // intermediates until the end ran 12% slower).
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

    /// <summary>
    /// Rows per chunk when a forward gets a large batch of rows, eager and compiled (<see cref="IBatchChunked"/>):
    /// the power of two that keeps one chunk's inputs, intermediates and output within about 6 MiB, at least 128.
    /// (Measured on the 32x0e+32x1o+32x2e product, float32, one thread: chunks of 512 rows make a forward of 4096
    /// rows 10-15% faster than one piece.)
    /// </summary>
    public long BatchChunkRows
    {
        get
        {
            var bytes = _chunkValuesPerRow * _outputMask.element_size();
            var rows = 128L;
            while (rows * 2 * bytes <= 6 << 20 && rows < 1 << 20) rows *= 2;
            return rows;
        }
    }

    // Values one row of a forward holds (inputs, intermediates, output); the plan fixes it, the dtype sets the bytes.
    private long ChunkValuesPerRow()
    {
        var perRow = (long)(IrrepsIn1.Dim + IrrepsIn2.Dim + 2 * IrrepsOut.Dim);
        foreach (var g in _fused)
        {
            // Stacked x1, the operators, each owner's product (a guest's rows copied out of it), Y and the scalar-first
            // terms, and the mixed outputs.
            perRow += g.IBar * g.U + g.CgSizes.Sum() + g.ScalarWidth
                      + g.Outputs.Sum(o => (o.Host < 0 ? o.K * o.Slots : o.V) * g.U + (o.R > 0 ? 2 : 1) * o.K * o.W);
        }
        foreach (var op in _plan)
        {
            perRow += op.Uvw.Sum(gr => gr.Mul1 * gr.V * op.Dim) + op.Others.Sum(p => p.Mul1 * p.Mul2 * op.Dim);
        }
        if (!SharedWeights) perRow += WeightNumel;
        return perRow;
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

    /// <summary>Rebuilds the constants in the new dtype from their double-precision values.</summary>
    /// <inheritdoc />
    protected override nn.Module _to(ScalarType dtype, bool non_blocking)
    {
        base._to(dtype, non_blocking);
        RebuildConstants();
        return this;
    }

    /// <summary>Rebuilds the constants on the new device in the new dtype.</summary>
    /// <inheritdoc />
    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking)
    {
        base._to(device, dtype, non_blocking);
        RebuildConstants();
        return this;
    }

    /// <summary>Moves the constants to the new device.</summary>
    /// <inheritdoc />
    protected override nn.Module _to(DeviceType deviceType, int deviceIndex, bool non_blocking)
    {
        base._to(deviceType, deviceIndex, non_blocking);
        RebuildConstants();
        return this;
    }

    private void RebuildConstants() => RegisterConstants(_outputMask.dtype, _outputMask.device);

    private void RegisterConstants(ScalarType dtype, Device device) =>
        _constants.RegisterInto(get_buffer, (name, t) => ConditionallyRegisterBuffer(name, t, persistent: false), dtype, device);

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

    private Tensor Compute(Tensor x, Tensor y, Tensor w)
    {
        // The paths outside fused groups take their inputs from one split per input (its backward is one
        // concatenation, where narrowing per path would add up zero-padded copies of the whole input).
        var unfused = _plan.Any(op => op.Uvw.Length > 0 || op.Others.Length > 0);
        var xs = !unfused ? Array.Empty<Tensor>() : _in1Sizes.Length == 1 ? new[] { x } : x.split(_in1Sizes, -1);
        var ys = !unfused ? Array.Empty<Tensor>() : _in2Sizes.Length == 1 ? new[] { y } : y.split(_in2Sizes, -1);
        // Fused outputs mixed component-major ([..., K·w]) reach e3nn's [..., w·K] by one gather of the whole output
        // in float32 (the gather costs what the transposing copies per output irrep cost; the compiled forward
        // measured 1.5-9% faster with it, fwd+bwd 0-2.5%); in float64 LibTorch's index_select along the features is
        // 2.3x slower than the copies, so each fused output is transposed instead.
        // Without autograd, groups that allow it run merged (MergedProducts: faster forward, slower backward); the
        // compiled module has a trace per grad mode (TorchScript.GradEnabled), so each runs its own formulation.
        var merged = _mergeable && !TorchScript.GradEnabled;
        var permute = !merged && _outputPermutation is not null && x.dtype != ScalarType.Float64;
        var fusedOut = new Tensor?[IrrepsOut.Length];
        foreach (var g in _fused)
        {
            if (merged && g.Merged is { } mp)
            {
                MergedProducts(g, mp, x, y, w, fusedOut);
            }
            else
            {
                FusedProducts(g, x, y, w, fusedOut, permute);
            }
        }
        var parts = new List<Tensor>();
        Tensor? zero = null;
        foreach (var op in _plan)
        {
            var acc = fusedOut[op.IOut];
            if (permute && acc is not null && !op.KMajor && op.LayoutsDiffer)
            {
                // Fused results are [..., K·w]; this output also has other paths: e3nn's [..., w·K] now.
                acc = acc.unflatten(^1, op.Dim, op.Mul).transpose(-1, -2).flatten(-2);
            }
            if (op.Uvw.Length > 0)
            {
                var r = UvwBlock(op, xs, ys, w);
                acc = acc is null ? r : acc.add(r);
            }
            foreach (var p in op.Others)
            {
                var r = OtherPath(p, op, xs, ys, w);
                acc = acc is null ? r : acc.add(r);
            }
            if (acc is null)
            {
                zero ??= ZeroBase(x, y, w);
                acc = zero.add(zero.new_zeros(new long[] { op.Mul * op.Dim }));            // broadcast: any rank
            }
            else if (!SharedWeights && !op.AnyWeighted)
            {
                zero ??= ZeroBase(x, y, w);
                acc = acc.add(zero);
            }
            parts.Add(acc);
        }
        if (parts.Count == 0)
        {
            zero ??= ZeroBase(x, y, w);
            return zero.narrow(-1, 0, 0);
        }
        var result = parts.Count == 1 ? parts[0] : cat(parts, -1);
        return permute ? result.index_select(-1, get_buffer(_outputPermutation!)!) : result;
    }

    // A fused group: M = x2 · CG split per owner o into [..., K·V, Ī]; Xc = the group's dense x1 blocks transposed
    // and stacked, [..., Ī, u] (one index_select along the last dimension: a gather, much faster than concatenating
    // transposed views); M_o · Xc = [..., K·V, u] viewed as [..., K, V·u] (contiguous), times o's stacked weights
    // [V·u, w] = [..., K, w]; plus the scalar-first terms (ScalarFirstTerms); flattened as [..., K·w] (component-major,
    // Compute permutes the whole output to e3nn's layout) or transposed first ([..., w·K], e3nn's layout), into
    // outputs[o] (added to what is there).
    private void FusedProducts(FusedGroup g, Tensor x, Tensor y, Tensor w, Tensor?[] outputs, bool componentMajor)
    {
        var m = y.checked_matmul(get_buffer(g.Cg)!);                                               // [..., Σ K·slots·Ī + Σ K·R]
        var ms = g.CgSizes.Length == 1 ? new[] { m } : m.split(g.CgSizes, -1);
        var wg = w.index_select(-1, get_buffer(g.WeightIndex)!);                           // [..., Σ V·u·w + u·Σ R·w]
        var ws = g.WeightSizes.Length == 1 ? new[] { wg } : wg.split(g.WeightSizes, -1);
        var (xc, xs) = GatherX1(g, x);
        var mixed = new Tensor?[g.Outputs.Length];                                         // [..., K, w] each
        for (var n = 0; n < g.Owners.Length; n++)
        {
            var s = g.Owners[n];
            var slot = g.Outputs[s];
            var mo = ms[n].unflatten(^1, slot.K * slot.Slots, g.IBar);                     // [..., K·slots, Ī]
            var yo = mo.checked_matmul(xc!);                                                       // [..., K·slots, u]
            Tensor own;                                                                    // [..., K, V·u]
            if (slot.Guest >= 0)
            {
                var guest = g.Outputs[slot.Guest];
                var parts = yo.unflatten(^2, slot.K, slot.Slots).split(new[] { slot.V, 1L }, -2);
                own = parts[0].flatten(-2);                                                // a view: rows stay evenly spaced
                var gx = parts[1].narrow(-3, 0, guest.V).flatten(-3).unsqueeze(-2);        // [..., 1, V'·u]
                var gw = ws[g.WeightPart(slot.Guest)].unflatten(^1, guest.V * g.U, guest.W);
                mixed[slot.Guest] = gx.checked_matmul(gw);                                         // [..., 1, w]
            }
            else
            {
                own = yo.unflatten(^2, slot.K, slot.V).flatten(-2);                        // contiguous
            }
            var wo = ws[g.WeightPart(s)].unflatten(^1, slot.V * g.U, slot.W);              // [..., V·u, w]
            mixed[s] = own.checked_matmul(wo);                                                     // [..., K, w]
        }
        if (xs is not null)
        {
            var terms = ScalarFirstTerms(g, xs, ms[^1], ws[^1], moved: false);
            for (var j = 0; j < g.ScalarFirst.Length; j++)
            {
                var s = g.ScalarFirst[j];
                var (mt, yt) = terms[j];                                                   // [..., K, R], [..., R, w]
                mixed[s] = g.Outputs[s].R == 1
                    ? mixed[s] is { } d ? d.addcmul(mt, yt, 1) : mt.mul(yt)
                    : mixed[s] is { } e ? e.add(mt.checked_matmul(yt)) : mt.checked_matmul(yt);
            }
        }
        for (var s = 0; s < g.Outputs.Length; s++)
        {
            var r = mixed[s]!;
            var k = g.Outputs[s].K;
            Add(outputs, g.Outputs[s].IOut, (componentMajor || k == 1 ? r : r.transpose(-1, -2)).flatten(-2));
        }
    }

    // One gather of a fused group's first-input columns: the dense blocks stacked as Xc [..., Ī, u] (null without
    // dense paths), then the scalar-first irrep [..., u] (null without scalar-first paths). Gathering the scalar too
    // (rather than narrowing x) leaves x's gradient one scatter.
    private (Tensor? Xc, Tensor? Xs) GatherX1(FusedGroup g, Tensor x)
    {
        var xi = x.index_select(-1, get_buffer(g.In1Index)!);                              // [..., Ī·u (+ u)]
        if (g.ScalarFirst.Length == 0) return (xi.unflatten(^1, g.IBar, g.U), null);
        if (g.IBar == 0) return (null, xi);
        var parts = xi.split(new[] { g.IBar * g.U, g.U }, -1);
        return (parts[0].unflatten(^1, g.IBar, g.U), parts[1]);
    }

    // The scalar-first factors of a fused group (see FuseGroup), per output with scalar-first paths: the operator
    // part of x2 · CG and Y = x1_s · W_s, as [..., K, R] and [..., R, w], or (moved: every R = 1 and every w equal) as
    // [1, ..., K, rows, 1] and [1, ..., 1, rows, w], the component-major layout of MergedProducts. m: [..., Σ K·R];
    // w: the weights [..., u·Σ R·w].
    private (Tensor M, Tensor Y)[] ScalarFirstTerms(FusedGroup g, Tensor xs, Tensor m, Tensor w, bool moved)
    {
        var wsf = w.unflatten(^1, g.U, g.ScalarWidth);                                     // [..., u, Σ R·w]
        var ysf = SharedWeights ? xs.checked_matmul(wsf) : xs.unsqueeze(-2).checked_matmul(wsf).squeeze(-2); // [..., Σ R·w]
        var n = g.ScalarFirst.Length;
        var outs = g.ScalarFirst.Select(s => g.Outputs[s]).ToArray();
        long[] ks = outs.Select(o => o.K).ToArray(), rs = outs.Select(o => o.R).ToArray();
        bool allOne = outs.All(o => o.R == 1), sameW = outs.All(o => o.W == outs[0].W);
        if (moved && !(allOne && sameW))
        {
            throw new InvalidOperationException($"{_description}: internal error: scalar-first terms moved with R > 1 or unequal w.");
        }

        var dim = moved ? -3L : -2L;
        Tensor[] mParts, yParts;
        if (allOne)
        {
            var mu = m.unsqueeze(-1);                                                      // [..., Σ K, 1]
            if (moved) mu = mu.unsqueeze(0).movedim(new long[] { -2 }, new long[] { -3 }); // [1, ..., Σ K, rows, 1]
            mParts = n == 1 ? new[] { mu } : mu.split(ks, dim);
        }
        else
        {
            mParts = (n == 1 ? new[] { m } : m.split(outs.Select(o => o.K * o.R).ToArray(), -1))
                .Select((t, j) => t.unflatten(^1, outs[j].K, outs[j].R)).ToArray();
        }
        if (sameW)
        {
            var yu = ysf.unflatten(^1, rs.Sum(), outs[0].W);                               // [..., Σ R, w]
            if (moved) yu = yu.unsqueeze(0).movedim(new long[] { -2 }, new long[] { -3 }); // [1, ..., Σ R, rows, w]
            yParts = n == 1 ? new[] { yu } : yu.split(rs, dim);
        }
        else
        {
            yParts = ysf.split(outs.Select(o => o.R * o.W).ToArray(), -1)
                .Select((t, j) => t.unflatten(^1, outs[j].R, outs[j].W)).ToArray();
        }
        return mParts.Zip(yParts).ToArray();
    }

    // A fused group without autograd: one batched product for all its dense outputs, M [..., C·P, Ī] · Xc =
    // [..., C, P·u] (C output components, each output padded to P second-input rows), then one batched product over
    // the components with their weights [C, P·u, w], giving each output as [..., w·K] (e3nn's layout), plus the
    // scalar-first terms. The compiled forward is 5-9% faster than with FusedProducts (one per-sample call, no
    // per-output transposes), but the backward would be slower (one GEMM per output component, and a layout copy of
    // the gradient), so only without autograd.
    private void MergedProducts(FusedGroup g, MergedPlan mp, Tensor x, Tensor y, Tensor w, Tensor?[] outputs)
    {
        var (xc, xs) = GatherX1(g, x);
        var m = y.checked_matmul(get_buffer(mp.Cg)!);                                              // [..., C·P·Ī + Σ K·R]
        var mParts = xs is not null ? m.split(new[] { mp.DenseColumns, g.ScalarColumns }, -1) : new[] { m };
        var mo = mParts[0].unflatten(^1, mp.Components * mp.P, g.IBar);                   // [..., C·P, Ī]
        var yo = mo.checked_matmul(xc!);                                                           // [..., C·P, u]
        // One GEMM per output component c, batched over c: the components move in front of the last batch dimension
        // (rows), after a leading 1 that gives inputs without batch dimensions a rows dimension too, so the traced
        // code does not depend on the inputs' rank ([1, C, rows, P·u] · [C, P·u, w] is one bmm for 2-D inputs).
        var yk = yo.unflatten(^2, mp.Components, mp.P).flatten(-2).unsqueeze(0)           // [1, ..., C, P·u]
            .movedim(new long[] { -2 }, new long[] { -3 });                                // [1, ..., C, rows, P·u]
        var wp = mp.Padded ? cat(new[] { w, w.new_zeros(new long[] { 1 }) }, 0) : w;
        var wAll = wp.index_select(0, get_buffer(mp.WeightIndex)!);
        var wParts = xs is not null ? wAll.split(new[] { mp.DenseWeights, g.U * g.ScalarWidth }, 0) : new[] { wAll };
        var wk = wParts[0].unflatten(0, mp.Components, mp.P * g.U, mp.W);
        var r = yk.checked_matmul(wk);                                                             // [1, ..., C, rows, w]
        var cm = new Tensor?[g.Outputs.Length];                                            // [1, ..., K, rows, w] each
        var rs = r.split(mp.Dims, -3);
        for (var j = 0; j < mp.Members.Length; j++) cm[mp.Members[j]] = rs[j];
        if (xs is not null)
        {
            // The scalar-first terms are added to the component-major products in one contiguous pass each, before
            // the layout copy below.
            var moved = g.ScalarFirst.All(s => g.Outputs[s].R == 1 && g.Outputs[s].W == mp.W);
            var terms = ScalarFirstTerms(g, xs, mParts[1], wParts[1], moved);
            for (var j = 0; j < terms.Length; j++)
            {
                var s = g.ScalarFirst[j];
                var (mt, yt) = terms[j];
                if (moved)
                {
                    cm[s] = cm[s] is { } d ? d.addcmul(mt, yt, 1) : mt.mul(yt);
                    continue;
                }
                var term = (g.Outputs[s].R == 1 ? mt.mul(yt) : mt.checked_matmul(yt))              // [..., rows, K, w]
                    .unsqueeze(0).movedim(new long[] { -3 }, new long[] { -2 });            // [1, ..., K, rows, w]
                cm[s] = cm[s] is { } e ? e.add(term) : term;
            }
        }
        for (var s = 0; s < g.Outputs.Length; s++)
        {
            var o = cm[s]!.movedim(new long[] { -3 }, new long[] { -1 }).flatten(-2);         // [1, ..., rows, w·K]
            Add(outputs, g.Outputs[s].IOut, o.squeeze(0));
        }
    }

    private static void Add(Tensor?[] outputs, int index, Tensor value)
    {
        var current = outputs[index];
        outputs[index] = current is null ? value : current.add(value);
    }

    // Zeros of shape [...broadcast batch..., 1], built from the inputs' shapes only through tensor operations.
    private Tensor ZeroBase(Tensor x, Tensor y, Tensor w)
    {
        var z = x.narrow(-1, 0, 0).sum(-1, keepdim: true).add(y.narrow(-1, 0, 0).sum(-1, keepdim: true));
        if (!SharedWeights) z = z.add(w.narrow(-1, 0, 0).sum(-1, keepdim: true));
        return z;
    }

    // The non-fused "uvw" paths into one output irrep: (x1 · CG · x2) blocks side by side, then one matrix product
    // with the concatenated weights of all paths.
    private Tensor UvwBlock(OutputPlan op, Tensor[] xs, Tensor[] ys, Tensor w)
    {
        var bParts = new List<Tensor>();
        var wParts = new List<Tensor>();
        foreach (var g in op.Uvw)
        {
            var aParts = new List<Tensor>();
            var wGroup = new List<Tensor>();
            foreach (var p in g.Paths)
            {
                var x2 = ys[p.IIn2];
                x2 = x2.unflatten(^1, p.Mul2, p.Dim2);                              // [..., v, j]
                var a = x2.checked_matmul(get_buffer(p.Cg)!);                              // [..., v, i*k]
                a = a.unflatten(^1, g.Dim1, op.Dim);                               // [..., v, i, k]
                aParts.Add(a.transpose(-3, -2));                                   // [..., i, v, k]
                var wp = w.narrow(-1, p.WeightOffset, p.WeightNumel);
                wGroup.Add(wp.unflatten(^1, g.Mul1, p.Mul2, op.Mul));              // [..., u, v, w]
            }
            var aAll = aParts.Count == 1 ? aParts[0] : cat(aParts, -2);            // [..., i, V, k]
            aAll = aAll.flatten(-2);                                               // [..., i, V*k]
            var x1 = xs[g.IIn1];
            x1 = x1.unflatten(^1, g.Mul1, g.Dim1);                                  // [..., u, i]
            var b = x1.checked_matmul(aAll);                                               // [..., u, V*k]
            b = b.unflatten(^1, g.V, op.Dim);                                       // [..., u, V, k]
            b = b.movedim(new long[] { -1 }, new long[] { -3 });                    // [..., k, u, V]
            bParts.Add(b.flatten(-2));                                             // [..., k, u*V]
            var wg = wGroup.Count == 1 ? wGroup[0] : cat(wGroup, -2);              // [..., u, V, w]
            wParts.Add(wg.flatten(-3, -2));                                        // [..., u*V, w]
        }
        var bAll = bParts.Count == 1 ? bParts[0] : cat(bParts, -1);                // [..., k, K]
        var wAll = wParts.Count == 1 ? wParts[0] : cat(wParts, -2);                // [..., K, w]
        var o = bAll.checked_matmul(wAll);                                                 // [..., k, w]
        return o.transpose(-1, -2).flatten(-2);                                    // [..., w*k]
    }

    private Tensor OtherPath(PathPlan p, OutputPlan op, Tensor[] xs, Tensor[] ys, Tensor w)
    {
        var x2 = ys[p.IIn2];
        x2 = x2.unflatten(^1, p.Mul2, p.Dim2);                                      // [..., v, j]
        var a = x2.checked_matmul(get_buffer(p.Cg)!);                                      // [..., v, i*k]
        a = a.unflatten(^1, p.Dim1, op.Dim);                                       // [..., v, i, k]
        var x1 = xs[p.IIn1];
        x1 = x1.unflatten(^1, p.Mul1, p.Dim1);                                      // [..., u, i]
        Tensor? wp = null;
        if (p.HasWeight)
        {
            wp = w.narrow(-1, p.WeightOffset, p.WeightNumel);
            wp = wp.unflatten(^1, p.PathShape);
        }
        Tensor r;
        switch (p.Mode)
        {
            case "uuu":
            {
                r = einsum("...ui,...uik->...uk", x1, a);
                if (wp is not null) r = r.mul(wp.unsqueeze(-1));
                break;
            }
            case "uuw":
            {
                var d = einsum("...ui,...uik->...uk", x1, a);
                r = wp is not null ? einsum(p.Equation!, d, wp) : d.sum(-2, keepdim: true);
                break;
            }
            case "uvu":
            {
                var b = einsum("...ui,...vik->...uvk", x1, a);
                r = wp is not null ? einsum(p.Equation!, b, wp) : b.sum(-2);
                break;
            }
            case "uvv":
            {
                var b = einsum("...ui,...vik->...uvk", x1, a);
                r = wp is not null ? einsum(p.Equation!, b, wp) : b.sum(-3);
                break;
            }
            case "uvuv":
            {
                var b = einsum("...ui,...vik->...uvk", x1, a);
                if (wp is not null) b = b.mul(wp.unsqueeze(-1));
                r = b.flatten(-3, -2);
                break;
            }
            case "uvu<v":
            {
                var b = einsum("...ui,...vik->...uvk", x1, a).flatten(-3, -2);
                r = b.index_select(-2, get_buffer(p.Triu!)!);
                if (wp is not null) r = r.mul(wp.unsqueeze(-1));
                break;
            }
            default: // "u<vw"
            {
                var b = einsum("...ui,...vik->...uvk", x1, a).flatten(-3, -2);
                r = einsum(p.Equation!, b.index_select(-2, get_buffer(p.Triu!)!), wp!);
                break;
            }
        }
        return r.flatten(-2);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Construction helpers

    private Instruction Validate(string where, int n, Instruction ins)
    {
        if (ins is null) throw new ArgumentException($"{where}: instruction {n} is null.", "instructions");
        if (!double.IsFinite(ins.PathWeight) || ins.PathWeight < 0)
        {
            // e3nn folds the square root of the path weight into the path: a negative or NaN weight gives NaN outputs.
            throw new ArgumentException(
                $"{where}: instruction {n} has path weight {ins.PathWeight}; a path weight must be finite and >= 0.", "instructions");
        }
        if (ins.IIn1 < 0 || ins.IIn1 >= IrrepsIn1.Length)
        {
            throw new ArgumentException(
                $"{where}: instruction {n} has i_in1 = {ins.IIn1}, but irrepsIn1 has {IrrepsIn1.Length} entries.", "instructions");
        }
        if (ins.IIn2 < 0 || ins.IIn2 >= IrrepsIn2.Length)
        {
            throw new ArgumentException(
                $"{where}: instruction {n} has i_in2 = {ins.IIn2}, but irrepsIn2 has {IrrepsIn2.Length} entries.", "instructions");
        }
        if (ins.IOut < 0 || ins.IOut >= IrrepsOut.Length)
        {
            throw new ArgumentException(
                $"{where}: instruction {n} has i_out = {ins.IOut}, but irrepsOut has {IrrepsOut.Length} entries.", "instructions");
        }
        if (!Modes.Contains(ins.ConnectionMode))
        {
            throw new ArgumentException(
                $"{where}: instruction {n} has connection mode \"{ins.ConnectionMode}\"; expected one of " +
                string.Join(", ", Modes.Select(m => $"\"{m}\"")) + ".", "instructions");
        }
        var (m1, ir1) = IrrepsIn1[ins.IIn1];
        var (m2, ir2) = IrrepsIn2[ins.IIn2];
        var (mo, irO) = IrrepsOut[ins.IOut];
        if (ir1.P * ir2.P != irO.P || irO.L < Math.Abs(ir1.L - ir2.L) || irO.L > ir1.L + ir2.L)
        {
            throw new ArgumentException(
                $"{where}: instruction {n} ({ir1} x {ir2} -> {irO}) is not allowed: the output must satisfy " +
                $"|l1 - l2| <= l <= l1 + l2 and p = p1 p2.", "instructions");
        }
        string? mulError = ins.ConnectionMode switch
        {
            "uvw" when !ins.HasWeight => "mode \"uvw\" needs weights (has_weight = true)",
            "u<vw" when !ins.HasWeight => "mode \"u<vw\" needs weights (has_weight = true)",
            "uvu" when m1 != mo => $"mode \"uvu\" needs mul_in1 == mul_out, got {m1} and {mo}",
            "uvv" when m2 != mo => $"mode \"uvv\" needs mul_in2 == mul_out, got {m2} and {mo}",
            "uuw" when m1 != m2 => $"mode \"uuw\" needs mul_in1 == mul_in2, got {m1} and {m2}",
            "uuw" when !ins.HasWeight && mo != 1 => $"mode \"uuw\" without weights needs mul_out == 1, got {mo}",
            "uuu" when m1 != m2 || m1 != mo => $"mode \"uuu\" needs mul_in1 == mul_in2 == mul_out, got {m1}, {m2}, {mo}",
            "uvuv" when m1 * m2 != mo => $"mode \"uvuv\" needs mul_in1 * mul_in2 == mul_out, got {m1} * {m2} != {mo}",
            "uvu<v" when m1 != m2 || m1 * (m1 - 1) / 2 != mo =>
                $"mode \"uvu<v\" needs mul_in1 == mul_in2 = m and mul_out = m (m - 1) / 2, got {m1}, {m2}, {mo}",
            "u<vw" when m1 != m2 => $"mode \"u<vw\" needs mul_in1 == mul_in2, got {m1} and {m2}",
            _ => null,
        };
        if (mulError is not null)
        {
            throw new ArgumentException($"{where}: instruction {n} ({ir1} x {ir2} -> {irO}): {mulError}.", "instructions");
        }
        var shape = ins.ConnectionMode switch
        {
            "uvw" => new[] { m1, m2, mo },
            "uvu" or "uvv" or "uvuv" => new[] { m1, m2 },
            "uuw" => new[] { m1, mo },
            "uuu" => new[] { m1 },
            "uvu<v" => new[] { m1 * (m2 - 1) / 2 },
            _ => new[] { m1 * (m2 - 1) / 2, mo },
        };
        return ins with { PathShape = shape };
    }

    private static double[] Variances(string where, string name, IReadOnlyList<double>? values, int count)
    {
        if (values is null) return Enumerable.Repeat(1.0, count).ToArray();
        if (values.Count != count)
        {
            throw new ArgumentException(
                $"{where}: {name} has {values.Count} entries but the irreps have {count}.", name);
        }
        if (values.Any(v => !double.IsFinite(v) || v < 0))
        {
            throw new ArgumentException(
                $"{where}: {name} must hold finite variances >= 0, got [{string.Join(", ", values)}].", name);
        }
        return values.ToArray();
    }

    private int NumElements(Instruction ins)
    {
        var m1 = IrrepsIn1[ins.IIn1].Mul;
        var m2 = IrrepsIn2[ins.IIn2].Mul;
        return ins.ConnectionMode switch
        {
            "uvw" => m1 * m2,
            "uvu" => m2,
            "uvv" => m1,
            "uuw" => m1,
            "uuu" or "uvuv" or "uvu<v" => 1,
            _ => m1 * (m2 - 1) / 2,
        };
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

    // The gather from the concatenated outputs (k-major ones as [K, w]) to e3nn's layout, or null when none is
    // k-major.
    private string? AddOutputPermutation()
    {
        if (!_plan.Any(op => op.KMajor)) return null;
        var index = new List<long>();
        long start = 0;
        foreach (var op in _plan)
        {
            for (long a = 0; a < op.Mul; a++)
            {
                for (long k = 0; k < op.Dim; k++) index.Add(start + (op.KMajor ? k * op.Mul + a : a * op.Dim + k));
            }
            start += op.Mul * op.Dim;
        }
        return _constants.AddIndex("out_perm", index.ToArray());
    }

    private (OutputPlan[] Plan, FusedGroup[] Fused) BuildPlan()
    {
        var weightOffsets = new int[Instructions.Count];
        var offset = 0;
        for (var n = 0; n < Instructions.Count; n++)
        {
            weightOffsets[n] = offset;
            if (Instructions[n].HasWeight) offset += Instructions[n].PathNumel;
        }

        PathPlan MakePath(int n, string? cgName)
        {
            var ins = Instructions[n];
            var (m1, ir1) = IrrepsIn1[ins.IIn1];
            var (m2, ir2) = IrrepsIn2[ins.IIn2];
            string? triu = null;
            if (ins.ConnectionMode is "uvu<v" or "u<vw")
            {
                var idx = new List<long>();
                for (var u = 0; u < m1; u++)
                {
                    for (var v = u + 1; v < m2; v++) idx.Add(u * m2 + v);
                }
                triu = _constants.AddIndex($"triu_{n}", idx.ToArray());
            }
            var z = SharedWeights ? "" : "...";
            string? equation = ins.ConnectionMode switch
            {
                "uuw" => $"...uk,{z}uw->...wk",
                "uvu" => $"...uvk,{z}uv->...uk",
                "uvv" => $"...uvk,{z}uv->...vk",
                "u<vw" => $"...qk,{z}qw->...wk",
                _ => null,
            };
            return new PathPlan(
                ins.ConnectionMode, ins.HasWeight, weightOffsets[n], ins.PathNumel,
                ins.PathShape.Select(s => (long)s).ToArray(),
                ins.IIn1, m1, ir1.Dim, ins.IIn2, m2, ir2.Dim,
                cgName ?? "", triu, equation);
        }

        bool Active(Instruction ins) =>
            ins.IOut < IrrepsOut.Length && IrrepsOut[ins.IOut].Mul > 0 && !ins.PathShape.Contains(0)
            && IrrepsIn1[ins.IIn1].Mul > 0 && IrrepsIn2[ins.IIn2].Mul > 0;

        // Fused groups: "uvw" paths with first-input multiplicity u over a few first-input irreps ("blocks") whose
        // dimensions add up to at most MaxFusedDim. The dense blocks of x1 (all but a scalar-first one, see FuseGroup),
        // transposed and stacked, form Xc [..., Ī, u]. One product of x2 with a constant holding every path's
        // path-weighted CG gives, per output irrep o, an operator M_o [..., K·V, Ī] (rows: output component k, then the
        // second-input multiplicities v of o's dense paths), so M_o · Xc is [..., K, V·u] — contiguous, the operand of
        // one product with o's stacked weights [V·u, w].
        var fused = new List<FusedGroup>();
        var fusedInstructions = new HashSet<int>();
        var uvw = Enumerable.Range(0, Instructions.Count)
            .Where(n => Instructions[n].ConnectionMode == "uvw" && Active(Instructions[n])).ToList();
        foreach (var byMul in uvw.GroupBy(n => IrrepsIn1[Instructions[n].IIn1].Mul))
        {
            var u = byMul.Key;
            var chunks = new List<List<int>>();
            long chunkDim = 0;
            foreach (var b in byMul.Select(n => Instructions[n].IIn1).Distinct().OrderBy(b => b))
            {
                var d = IrrepsIn1[b].Ir.Dim;
                if (chunks.Count == 0 || chunkDim + d > MaxFusedDim)
                {
                    chunks.Add(new List<int>());
                    chunkDim = 0;
                }
                chunks[^1].Add(b);
                chunkDim += d;
            }
            foreach (var chunk in chunks)
            {
                var group = FuseGroup(u, chunk, byMul.Where(n => chunk.Contains(Instructions[n].IIn1)).ToList(),
                    fused.Count, weightOffsets);
                if (group is null) continue;
                fused.Add(group);
                foreach (var slot in group.Outputs)
                {
                    foreach (var n in slot.Instructions) fusedInstructions.Add(n);
                }
            }
        }

        var plans = new List<OutputPlan>();
        for (var o = 0; o < IrrepsOut.Length; o++)
        {
            var (mo, irO) = IrrepsOut[o];
            if (mo == 0) continue;
            var groups = new List<UvwGroup>();
            var others = new List<PathPlan>();
            var anyWeighted = false;
            for (var n = 0; n < Instructions.Count; n++)
            {
                var ins = Instructions[n];
                if (ins.IOut != o || !Active(ins)) continue;
                anyWeighted |= ins.HasWeight;
                if (fusedInstructions.Contains(n)) continue;
                var (m1, ir1) = IrrepsIn1[ins.IIn1];
                var (m2, ir2) = IrrepsIn2[ins.IIn2];
                var path = MakePath(n, AddCg(n, ir1, ir2, irO, ins.PathWeight));
                if (ins.ConnectionMode == "uvw")
                {
                    var g = groups.FirstOrDefault(gr => gr.IIn1 == ins.IIn1);
                    if (g is null)
                    {
                        g = new UvwGroup(ins.IIn1, m1, ir1.Dim);
                        groups.Add(g);
                    }
                    g.Paths.Add(path);
                    g.V += m2;
                }
                else
                {
                    others.Add(path);
                }
            }
            var fusedHere = fused.Any(g => g.Outputs.Any(slot => slot.IOut == o));
            plans.Add(new OutputPlan(o, mo, irO.Dim, groups.ToArray(), fusedHere, others.ToArray(), anyWeighted));
        }
        return (plans.ToArray(), fused.ToArray());
    }

    // One fused group (see BuildPlan), or null when its constant would be too large (x2 much larger than u).
    // A group with exactly one scalar first-input irrep may evaluate that irrep's paths "scalar-first" (ScalarFirstPays):
    // their weights mix x1 before the CG contraction, Y = x1_s · W_s ([..., R·w], u·R·w multiply-adds per row where the
    // operator form needs K·R·u·w), and each output adds (x2 · CG) [..., K, R] times Y [..., R, w] (an outer product for
    // R = 1). The group's other first-input irreps ("dense", Ī in all) take the operator form; for 32x0e+32x1o+32x2e
    // this leaves 29 of the 35 GEMM units and Ī = 8 instead of 9.
    private FusedGroup? FuseGroup(int u, List<int> blocks, List<int> paths, int index, int[] weightOffsets)
    {
        var scalars = blocks.Where(b => IrrepsIn1[b].Ir.Dim == 1).ToList();
        var scalar = scalars.Count == 1 && ScalarFirstPays(u, blocks.Count, paths.Where(n => Instructions[n].IIn1 == scalars[0]))
            ? scalars[0]
            : -1;
        long iBar = 0;
        var blockOffset = new Dictionary<int, long>();
        foreach (var b in blocks.Where(b => b != scalar))
        {
            blockOffset[b] = iBar;
            iBar += IrrepsIn1[b].Ir.Dim;
        }
        if (scalar >= 0) blockOffset[scalar] = 0;
        bool IsDense(int n) => Instructions[n].IIn1 != scalar;
        long Mul2(int n) => IrrepsIn2[Instructions[n].IIn2].Mul;

        var byOut = paths.GroupBy(n => Instructions[n].IOut).OrderBy(g => g.Key)
            .Select(g => g.OrderBy(n => n).ToList()).ToList();
        var dims = byOut.Select(ps => (long)IrrepsOut[Instructions[ps[0]].IOut].Ir.Dim).ToArray();
        var muls = byOut.Select(ps => ps.Where(IsDense).Sum(Mul2)).ToArray();
        var rows = byOut.Select(ps => ps.Where(n => !IsDense(n)).Sum(Mul2)).ToArray();

        // A scalar output (K = 1) whose V rows fit in another output's K rows rides along in that output's product:
        // one extra row block per output component k of the host, whose row k holds the scalar's row v = k. It saves
        // the scalar's own batched product (a per-sample call that costs about as much as a larger one).
        var host = Enumerable.Repeat(-1, byOut.Count).ToArray();
        var guest = Enumerable.Repeat(-1, byOut.Count).ToArray();
        for (var j = 0; j < byOut.Count; j++)
        {
            if (dims[j] != 1 || muls[j] == 0)
            {
                continue;
            }

            var best = -1;
            for (var h = 0; h < byOut.Count; h++)
            {
                if (dims[h] > 1 && muls[h] > 0 && guest[h] < 0 && muls[j] <= dims[h] && (best < 0 || dims[h] < dims[best]))
                {
                    best = h;
                }
            }

            if (best >= 0)
            {
                host[j] = best;
                guest[best] = j;
            }
        }

        long d2 = IrrepsIn2.Dim;
        long SlotsOf(int s) => muls[s] + (guest[s] >= 0 ? 1 : 0);
        var owners = Enumerable.Range(0, byOut.Count).Where(s => host[s] < 0 && muls[s] > 0).ToArray();
        var denseCols = owners.Sum(s => dims[s] * SlotsOf(s) * iBar);
        var sfCols = Enumerable.Range(0, byOut.Count).Sum(s => dims[s] * rows[s]);
        var cols = denseCols + sfCols;
        if (d2 * cols > 1 << 18 || (d2 > 2 * u && d2 * cols > 8192)) return null;

        var cg = new double[d2 * cols];
        var weightIndex = new List<long>();
        var colStartOf = new long[byOut.Count];
        long colStart = 0;
        foreach (var s in owners)
        {
            colStartOf[s] = colStart;
            colStart += dims[s] * SlotsOf(s) * iBar;
        }

        var slots = new List<FusedOutput>();
        for (var s = 0; s < byOut.Count; s++)
        {
            var ps = byOut[s];
            var o = Instructions[ps[0]].IOut;
            var (mo, irO) = IrrepsOut[o];
            // Column of (output component k, row v of this output) in the owner's [K·slots, Ī] block.
            var owner = host[s] >= 0 ? host[s] : s;
            var ownerSlots = SlotsOf(owner);
            long Column(long k, long v) => host[s] >= 0
                ? colStartOf[owner] + (v * ownerSlots + muls[owner]) * iBar
                : colStartOf[s] + (k * ownerSlots + v) * iBar;
            long vOffset = 0;
            foreach (var n in ps.Where(IsDense))
            {
                var m2 = IrrepsIn2[Instructions[n].IIn2].Mul;
                var first = vOffset;
                ScatterPathCg(cg, cols, n, blockOffset, (k, v) => Column(k, first + v));
                // Weights [u, v, w] (e3nn's layout) as rows (v, u) of o's stacked weight matrix [V·u, w].
                for (var v = 0; v < m2; v++)
                {
                    for (var a = 0; a < u; a++)
                    {
                        for (var w = 0; w < mo; w++) weightIndex.Add(WeightAt(weightOffsets, n, a, v, w));
                    }
                }
                vOffset += m2;
            }
            slots.Add(new FusedOutput(o, mo, irO.Dim, muls[s], rows[s], ps.ToArray(), host[s], guest[s]));
        }
        var scalarFirst = ScalarFirst(u, byOut, rows, n => !IsDense(n), blockOffset, weightOffsets);
        scalarFirst.Scatter(cg, cols, denseCols);
        weightIndex.AddRange(scalarFirst.WeightIndex);

        var slices1 = IrrepsIn1.Slices();
        var in1Index = new List<long>();
        foreach (var b in blocks.Where(b => b != scalar))
        {
            var d = IrrepsIn1[b].Ir.Dim;
            for (var i = 0; i < d; i++)
            {
                for (var a = 0; a < u; a++) in1Index.Add(slices1[b].Start + a * d + i);
            }
        }
        var cgName = _constants.AddFloat($"cg_uvw_{index}", cg, d2, cols);
        if (scalar >= 0)
        {
            for (var a = 0; a < u; a++) in1Index.Add(slices1[scalar].Start + a);
        }
        var in1Name = _constants.AddIndex($"x1_uvw_{index}", in1Index.ToArray());
        var indexName = _constants.AddIndex($"w_uvw_{index}", weightIndex.ToArray());
        var members = Enumerable.Range(0, byOut.Count).Where(s => muls[s] > 0).ToArray();
        return new FusedGroup(u, iBar, cgName, indexName, in1Name, slots.ToArray())
        {
            Merged = members.Length == 0 ? null : MergeGroup(u, iBar, blockOffset,
                members.Select(s => byOut[s].Where(IsDense).ToList()).ToList(), members.Select(s => muls[s]).ToArray(),
                members, scalarFirst, index, weightOffsets),
        };
    }

    // Whether a fused group's scalar paths (from a first-input irrep of multiplicity u; the group has `blocks`
    // first-input irreps) run scalar-first: always when the scalar is the group's only irrep (no per-sample product
    // is left at all), else when the GEMM work it saves, Σ (K − 1)·R·u·w multiply-adds per row, is at least
    // ScalarFirstMinRatio times the elements its addcmul passes write, Σ K·w per row. Those passes broadcast along w
    // and run far below the GEMM's speed, and the terms add a dozen small operations per call. Measured, compiled,
    // one thread, 4096 rows, forward / fwd+bwd with scalar-first over without (ratio S/E): 32x0e+32x1o+32x2e 0.90 / 0.88
    // (21), 48x(0e+1o+2e) 0.87 / 0.88 (32), 32x(0e+1o+2e+3o) 0.92 / 0.92 (24), 64x0e+64x1o 0.87 / 1.07 (32); below the
    // ratio 16x(0e+1o+2e) 0.96 / 0.97 (11), 32x0e+32x1o 1.20–1.40 / 0.99–1.06 (16), 16x0e+16x1o 1.3 / 1.4 (8); a
    // group of only the scalar, 64x0e+32x1o: 0.44 / 0.64.
    private bool ScalarFirstPays(int u, int blocks, IEnumerable<int> scalarPaths)
    {
        if (blocks == 1) return true;
        long saved = 0;
        var written = new Dictionary<int, long>();
        foreach (var n in scalarPaths)
        {
            var (w, irO) = IrrepsOut[Instructions[n].IOut];
            saved += (irO.Dim - 1L) * IrrepsIn2[Instructions[n].IIn2].Mul * u * w;
            written[Instructions[n].IOut] = (long)irO.Dim * w;
        }
        return saved >= ScalarFirstMinRatio * written.Values.Sum();
    }

    // The scalar-first paths of a fused group (see FuseGroup): their CG columns, per output s (in byOut's order) a
    // [K, R] block (column k·R + r; rows r run over the paths, then their second-input multiplicity v), and the
    // weight permutation for the matrix [u, Σ R·w] (row a; per output its rows r, then w).
    private ScalarFirstPlan ScalarFirst(int u, List<List<int>> byOut, long[] rows, Func<int, bool> isScalarFirst,
        Dictionary<int, long> blockOffset, int[] weightOffsets)
    {
        var weightIndex = new List<long>();
        for (var a = 0; a < u; a++)
        {
            foreach (var ps in byOut)
            {
                foreach (var n in ps.Where(isScalarFirst))
                {
                    var m2 = IrrepsIn2[Instructions[n].IIn2].Mul;
                    var mo = IrrepsOut[Instructions[n].IOut].Mul;
                    for (var v = 0; v < m2; v++)
                    {
                        for (var w = 0; w < mo; w++) weightIndex.Add(WeightAt(weightOffsets, n, a, v, w));
                    }
                }
            }
        }

        void Scatter(double[] cg, long cols, long start)
        {
            var colStart = start;
            for (var s = 0; s < byOut.Count; s++)
            {
                var dk = IrrepsOut[Instructions[byOut[s][0]].IOut].Ir.Dim;
                long rOffset = 0;
                foreach (var n in byOut[s].Where(isScalarFirst))
                {
                    var first = rOffset;
                    var begin = colStart;
                    var r = rows[s];
                    ScatterPathCg(cg, cols, n, blockOffset, (k, v) => begin + k * r + first + v);
                    rOffset += IrrepsIn2[Instructions[n].IIn2].Mul;
                }
                colStart += dk * rows[s];
            }
        }

        var columns = byOut.Select((ps, s) => IrrepsOut[Instructions[ps[0]].IOut].Ir.Dim * rows[s]).Sum();
        return new ScalarFirstPlan(weightIndex, columns, Scatter);
    }

    // The evaluation without autograd of a fused group's dense outputs (see MergedProducts), or null when their
    // multiplicities differ, the weights are not shared, or padding every output to the largest V would add more than
    // a quarter. byOut, muls: the dense paths and V of the group's outputs listed in members (indices into the
    // group's outputs). The scalar-first columns and weights follow the merged ones in the constants.
    private MergedPlan? MergeGroup(int u, long iBar, Dictionary<int, long> blockOffset, List<List<int>> byOut, long[] muls,
        int[] members, ScalarFirstPlan scalarFirst, int index, int[] weightOffsets)
    {
        var outs = byOut.Select(ps => IrrepsOut[Instructions[ps[0]].IOut]).ToArray();
        long p = muls.Max(), w = outs[0].Mul;
        long rows = outs.Select((o, s) => o.Ir.Dim * muls[s]).Sum(), padded = outs.Sum(o => o.Ir.Dim * p);
        if (!SharedWeights || outs.Any(o => o.Mul != w) || 4 * padded > 5 * rows) return null;

        long d2 = IrrepsIn2.Dim, components = outs.Sum(o => (long)o.Ir.Dim), denseCols = components * p * iBar;
        var cols = denseCols + scalarFirst.Columns;
        var cg = new double[d2 * cols];
        var weightIndex = new List<long>();
        long component = 0;
        for (var s = 0; s < byOut.Count; s++)
        {
            var dk = outs[s].Ir.Dim;
            // Row v of this output: (instruction, v within it); rows from V to P are zero (padding).
            var rowsOf = new List<(int N, int V)>();
            foreach (var n in byOut[s])
            {
                var first = rowsOf.Count;
                ScatterPathCg(cg, cols, n, blockOffset, (k, v) => ((component + k) * p + first + v) * iBar);
                for (var v = 0; v < IrrepsIn2[Instructions[n].IIn2].Mul; v++) rowsOf.Add((n, v));
            }
            // Weights [P·u, w] per output component k (the same matrix for each k); padded rows read the zero
            // appended after the weights.
            for (var k = 0; k < dk; k++)
            {
                for (var v = 0; v < p; v++)
                {
                    for (var a = 0; a < u; a++)
                    {
                        for (var c = 0; c < w; c++)
                        {
                            if (v >= rowsOf.Count)
                            {
                                weightIndex.Add(WeightNumel);
                                continue;
                            }
                            var (n, vn) = rowsOf[v];
                            weightIndex.Add(WeightAt(weightOffsets, n, a, vn, c));
                        }
                    }
                }
            }
            component += dk;
        }
        var denseWeights = weightIndex.Count;
        scalarFirst.Scatter(cg, cols, denseCols);
        weightIndex.AddRange(scalarFirst.WeightIndex);
        return new MergedPlan(_constants.AddFloat($"cg_uvw_{index}_merged", cg, d2, cols),
            _constants.AddIndex($"w_uvw_{index}_merged", weightIndex.ToArray()), components, p, w, padded > rows,
            outs.Select(o => (long)o.Ir.Dim).ToArray(), members, denseCols, denseWeights);
    }

    // Position in the flat weight vector of instruction n's weight (u = a, v, w): e3nn's row-major [u, v, w] block
    // at the instruction's offset.
    private long WeightAt(int[] weightOffsets, int n, long a, long v, long w) =>
        weightOffsets[n] + (a * IrrepsIn2[Instructions[n].IIn2].Mul + v) * IrrepsOut[Instructions[n].IOut].Mul + w;

    // Writes instruction n's pw · C into a [D2, cols] constant: row (its second-input irrep's row v·J + j), column
    // column(k, v) + the first-input irrep's offset in the group + i.
    private void ScatterPathCg(double[] cg, long cols, int n, Dictionary<int, long> blockOffset, Func<long, long, long> column)
    {
        var ins = Instructions[n];
        var (m2, ir2) = IrrepsIn2[ins.IIn2];
        int di = IrrepsIn1[ins.IIn1].Ir.Dim, dj = ir2.Dim, dk = IrrepsOut[ins.IOut].Ir.Dim;
        var start = IrrepsIn2.Slices()[ins.IIn2].Start;
        var c = PathCg(n);
        for (var v = 0; v < m2; v++)
        {
            for (var i = 0; i < di; i++)
            {
                for (var j = 0; j < dj; j++)
                {
                    for (var k = 0; k < dk; k++)
                    {
                        var col = column(k, v) + blockOffset[ins.IIn1] + i;
                        cg[(start + v * dj + j) * cols + col] = c[(i * dj + j) * dk + k];
                    }
                }
            }
        }
    }

    // Instruction n's pw · C (Cg), computed once for the fused and the merged constants (while the plan is built).
    private double[] PathCg(int n)
    {
        if (!_pathCg.TryGetValue(n, out var c))
        {
            var ins = Instructions[n];
            c = Cg(IrrepsIn1[ins.IIn1].Ir, IrrepsIn2[ins.IIn2].Ir, IrrepsOut[ins.IOut].Ir, ins.PathWeight);
            _pathCg[n] = c;
        }

        return c;
    }

    // pw · C[i, j, k] (row-major [I, J, K]) in double precision.
    private static double[] Cg(Irrep ir1, Irrep ir2, Irrep irO, double pathWeight)
    {
        using var c = Wigner.Wigner3j(ir1.L, ir2.L, irO.L, ScalarType.Float64);
        var values = c.data<double>().ToArray();
        for (var i = 0; i < values.Length; i++) values[i] *= pathWeight;
        return values;
    }

    // pw · C[i, j, k] stored as a [J, I*K] matrix (row j, column i*K + k).
    private string AddCg(int n, Irrep ir1, Irrep ir2, Irrep irO, double pathWeight)
    {
        using var c = Wigner.Wigner3j(ir1.L, ir2.L, irO.L, ScalarType.Float64);
        var values = c.data<double>().ToArray();
        int di = ir1.Dim, dj = ir2.Dim, dk = irO.Dim;
        var m = new double[dj * di * dk];
        for (var i = 0; i < di; i++)
        {
            for (var j = 0; j < dj; j++)
            {
                for (var k = 0; k < dk; k++)
                {
                    m[j * di * dk + i * dk + k] = pathWeight * values[(i * dj + j) * dk + k];
                }
            }
        }
        return _constants.AddFloat($"cg_{n}", m, dj, di * dk);
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

    private sealed record PathPlan(
        string Mode,
        bool HasWeight,
        long WeightOffset,
        long WeightNumel,
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

    private sealed class UvwGroup
    {
        public UvwGroup(int iIn1, long mul1, long dim1)
        {
            IIn1 = iIn1;
            Mul1 = mul1;
            Dim1 = dim1;
        }

        public int IIn1 { get; }
        public long Mul1 { get; }
        public long Dim1 { get; }
        public List<PathPlan> Paths { get; } = new();

        // Total multiplicity of the second inputs of the group's paths.
        public long V { get; set; }
    }

    // KMajor: the output comes only from fused groups and stays in their [..., K·w] (component-major) layout until
    // the final permutation.
    private sealed record OutputPlan(
        int IOut, long Mul, long Dim, UvwGroup[] Uvw, bool Fused, PathPlan[] Others, bool AnyWeighted)
    {
        public bool KMajor => Fused && Uvw.Length == 0 && Others.Length == 0 && LayoutsDiffer;

        // Whether [..., K·w] and [..., w·K] are different orders (both K and w above 1).
        public bool LayoutsDiffer => Dim > 1 && Mul > 1;
    }

    // Fused "uvw" paths with first-input multiplicity U: constant Cg [D2, Σ_owners K·slots·Ī + Σ K·R] (the owners'
    // operators, then the scalar-first columns), gather In1Index of x1's columns (the dense first-input irreps as
    // [Ī, u], then the scalar-first irrep's u columns), and weight permutation WeightIndex (the
    // [V·U, W] matrices of the outputs with dense paths, in Outputs order, then the scalar-first [U, Σ R·W]). Owners
    // are the outputs with their own batched product (dense paths, not a guest).
    private sealed record FusedGroup(
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

    // A fused group's dense outputs (Members, indices into the group's outputs) evaluated without autograd: constant
    // Cg [D2, Components·P·Ī + scalar-first columns] (rows: output component, then P second-input rows, V of them used
    // per output), weight permutation WeightIndex for [Components, P·u, W] (Padded: it reads one zero appended to the
    // weights; DenseWeights entries) then the scalar-first [u, Σ R·w], and the members' dimensions.
    private sealed record MergedPlan(string Cg, string WeightIndex, long Components, long P, long W, bool Padded,
        long[] Dims, int[] Members, long DenseColumns, long DenseWeights);

    // The scalar-first part of a fused group: weight permutation, number of CG columns, and the writer of the CG
    // columns into a constant (cg, its column count, first column).
    private sealed record ScalarFirstPlan(List<long> WeightIndex, long Columns, Action<double[], long, long> Scatter);

    // One output irrep of a fused group: multiplicity W, dimension K, V second-input rows over its dense paths, R over
    // its scalar-first paths. Host: the output whose product also computes this (scalar) one, or -1; Guest: the
    // scalar output this one computes in an extra row block, or -1.
    private sealed record FusedOutput(int IOut, long W, long K, long V, long R, int[] Instructions, int Host, int Guest)
    {
        // Row blocks per output component in the owner's product: V, plus one for a guest.
        public long Slots => V + (Guest >= 0 ? 1 : 0);
    }
}
