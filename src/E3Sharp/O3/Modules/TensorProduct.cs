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
/// <para>Evaluation: the Clebsch–Gordan blocks (with the path weights folded in) are buffers built once. Each path first
/// contracts its CG block with the second input (small), then the first input; all <c>"uvw"</c> paths that feed one
/// output irrep are mixed with their weights in one matrix product.</para>
/// </remarks>
[CompileMode(JitMode.Trace)]
public partial class TensorProduct : nn.Module<Tensor, Tensor, Tensor>, IIrrepsModule
{
    private static readonly string[] Modes = { "uvw", "uvu", "uvv", "uuw", "uuu", "uvuv", "uvu<v", "u<vw" };

    [ComponentName(Name = "weight")]
    private Tensor _weight;

    [ComponentName(Name = "output_mask")]
    private Tensor _outputMask;

    private readonly ConstantSet _constants = new();
    private readonly OutputPlan[] _plan;
    private readonly FusedGroup[] _fused;
    private readonly FusedBlock[] _blocks;
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
        (_plan, _fused, _blocks) = BuildPlan();
        _description = Describe(name);

        RegisterComponents();
        foreach (var (bufferName, t) in _constants.Materialize(dt, dev))
        {
            register_buffer(bufferName, t, persistent: false);
        }
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
        var dtype = _outputMask.dtype;
        ModuleChecks.CheckInput(this, "x", x.shape, x.dtype, IrrepsIn1, dtype);
        ModuleChecks.CheckInput(this, "y", y.shape, y.dtype, IrrepsIn2, dtype);
        var w = ResolveWeight(weight);
        return Compute(x, y, w);
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
        ModuleChecks.CheckInput(this, "y", y.shape, y.dtype, IrrepsIn2, dtype);
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
        return view.unflatten(view.dim() - 1, ins.PathShape.Select(s => (long)s).ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => _description;

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

    private void RebuildConstants()
    {
        foreach (var (name, t) in _constants.Materialize(_outputMask.dtype, _outputMask.device))
        {
            var old = get_buffer(name);
            ConditionallyRegisterBuffer(name, t, persistent: false);
            old?.Dispose();
        }
    }

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
        // x1 · (CG · x2) for every block of fused "uvw" paths (one first-input irrep each), shared by all outputs.
        var fusedB = new Tensor[_blocks.Length];
        foreach (var g in _fused)
        {
            var a = y.matmul(get_buffer(g.Cg)!);                                   // [..., Σ_b I_b*N_b]
            for (var b = g.FirstBlock; b < g.FirstBlock + g.BlockCount; b++)
            {
                fusedB[b] = BlockProducts(_blocks[b], g.Mul1, x, a);
            }
        }
        var parts = new List<Tensor>();
        Tensor? zero = null;
        foreach (var op in _plan)
        {
            Tensor? acc = null;
            if (op.Uvw.Length > 0 || op.Fused.Length > 0)
            {
                acc = UvwBlock(op, fusedB, x, y, w);
            }
            foreach (var p in op.Others)
            {
                var r = OtherPath(p, op, x, y, w);
                acc = acc is null ? r : acc.add(r);
            }
            if (acc is null)
            {
                zero ??= ZeroBase(x, y, w);
                acc = zero.expand(ExpandShape(zero.dim(), op.Mul * op.Dim)).contiguous();
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
        return parts.Count == 1 ? parts[0] : cat(parts, -1);
    }

    // Zeros of shape [...broadcast batch..., 1], built from the inputs' shapes only through tensor operations.
    private Tensor ZeroBase(Tensor x, Tensor y, Tensor w)
    {
        var z = x.narrow(-1, 0, 0).sum(-1, keepdim: true).add(y.narrow(-1, 0, 0).sum(-1, keepdim: true));
        if (!SharedWeights) z = z.add(w.narrow(-1, 0, 0).sum(-1, keepdim: true));
        return z;
    }

    private static long[] ExpandShape(long rank, long last)
    {
        var shape = new long[rank];
        for (var i = 0; i < rank - 1; i++) shape[i] = -1;
        shape[rank - 1] = last;
        return shape;
    }

    // One block (one first-input irrep, multiplicity u, dimension I): x1 [..., u, I] times its slice of x2 · CG viewed as
    // [..., I, N]; the N columns are ordered by output irrep, then path, then v, then k.
    private static Tensor BlockProducts(FusedBlock block, long mul1, Tensor x, Tensor a)
    {
        var x1 = x.narrow(-1, block.In1Start, mul1 * block.I);
        x1 = x1.unflatten(x1.dim() - 1, mul1, block.I);                           // [..., u, i]
        var ab = a.narrow(-1, block.AOffset, block.I * block.N);
        ab = ab.unflatten(ab.dim() - 1, block.I, block.N);                        // [..., i, N]
        return x1.matmul(ab);                                                     // [..., u, N]
    }

    // All "uvw" paths into one output irrep: (x1 · CG · x2) blocks side by side, then one matrix product with the
    // concatenated weights of all paths.
    private Tensor UvwBlock(OutputPlan op, Tensor[] fusedB, Tensor x, Tensor y, Tensor w)
    {
        var bParts = new List<Tensor>();
        var wParts = new List<Tensor>();
        foreach (var part in op.Fused)
        {
            var u = _fused[part.Group].Mul1;
            var pieces = new List<Tensor>();
            foreach (var piece in part.Pieces)
            {
                var b = fusedB[piece.Block].narrow(-1, piece.ColumnStart, piece.V * op.Dim);  // [..., u, V*k]
                b = b.unflatten(b.dim() - 1, piece.V, op.Dim);                      // [..., u, V, k]
                pieces.Add(b.movedim(new long[] { -1 }, new long[] { -3 }));         // [..., k, u, V]
            }
            var bp = pieces.Count == 1 ? pieces[0] : cat(pieces, -1);             // [..., k, u, ΣV]
            bParts.Add(bp.flatten(-2));                                            // [..., k, u*ΣV]
            var wGroup = new List<Tensor>();
            foreach (var p in part.Paths)
            {
                var wp = w.narrow(-1, p.WeightOffset, p.WeightNumel);
                wGroup.Add(wp.unflatten(wp.dim() - 1, u, p.Mul2, op.Mul));         // [..., u, v, w]
            }
            var wg = wGroup.Count == 1 ? wGroup[0] : cat(wGroup, -2);              // [..., u, V, w]
            wParts.Add(wg.flatten(-3, -2));                                        // [..., u*V, w]
        }
        foreach (var g in op.Uvw)
        {
            var aParts = new List<Tensor>();
            var wGroup = new List<Tensor>();
            foreach (var p in g.Paths)
            {
                var x2 = y.narrow(-1, p.In2Start, p.Mul2 * p.Dim2);
                x2 = x2.unflatten(x2.dim() - 1, p.Mul2, p.Dim2);                    // [..., v, j]
                var a = x2.matmul(get_buffer(p.Cg)!);                              // [..., v, i*k]
                a = a.unflatten(a.dim() - 1, g.Dim1, op.Dim);                      // [..., v, i, k]
                aParts.Add(a.transpose(-3, -2));                                   // [..., i, v, k]
                var wp = w.narrow(-1, p.WeightOffset, p.WeightNumel);
                wGroup.Add(wp.unflatten(wp.dim() - 1, g.Mul1, p.Mul2, op.Mul));    // [..., u, v, w]
            }
            var aAll = aParts.Count == 1 ? aParts[0] : cat(aParts, -2);            // [..., i, V, k]
            aAll = aAll.flatten(-2);                                               // [..., i, V*k]
            var x1 = x.narrow(-1, g.In1Start, g.Mul1 * g.Dim1);
            x1 = x1.unflatten(x1.dim() - 1, g.Mul1, g.Dim1);                        // [..., u, i]
            var b = x1.matmul(aAll);                                               // [..., u, V*k]
            b = b.unflatten(b.dim() - 1, g.V, op.Dim);                              // [..., u, V, k]
            b = b.movedim(new long[] { -1 }, new long[] { -3 });                    // [..., k, u, V]
            bParts.Add(b.flatten(-2));                                             // [..., k, u*V]
            var wg = wGroup.Count == 1 ? wGroup[0] : cat(wGroup, -2);              // [..., u, V, w]
            wParts.Add(wg.flatten(-3, -2));                                        // [..., u*V, w]
        }
        var bAll = bParts.Count == 1 ? bParts[0] : cat(bParts, -1);                // [..., k, K]
        var wAll = wParts.Count == 1 ? wParts[0] : cat(wParts, -2);                // [..., K, w]
        var o = bAll.matmul(wAll);                                                 // [..., k, w]
        return o.transpose(-1, -2).flatten(-2);                                    // [..., w*k]
    }

    private Tensor OtherPath(PathPlan p, OutputPlan op, Tensor x, Tensor y, Tensor w)
    {
        var x2 = y.narrow(-1, p.In2Start, p.Mul2 * p.Dim2);
        x2 = x2.unflatten(x2.dim() - 1, p.Mul2, p.Dim2);                            // [..., v, j]
        var a = x2.matmul(get_buffer(p.Cg)!);                                      // [..., v, i*k]
        a = a.unflatten(a.dim() - 1, p.Dim1, op.Dim);                              // [..., v, i, k]
        var x1 = x.narrow(-1, p.In1Start, p.Mul1 * p.Dim1);
        x1 = x1.unflatten(x1.dim() - 1, p.Mul1, p.Dim1);                            // [..., u, i]
        Tensor? wp = null;
        if (p.HasWeight)
        {
            wp = w.narrow(-1, p.WeightOffset, p.WeightNumel);
            wp = wp.unflatten(wp.dim() - 1, p.PathShape);
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

    private (OutputPlan[] Plan, FusedGroup[] Fused, FusedBlock[] Blocks) BuildPlan()
    {
        var slices1 = IrrepsIn1.Slices();
        var slices2 = IrrepsIn2.Slices();
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
                slices1[ins.IIn1].Start, m1, ir1.Dim, slices2[ins.IIn2].Start, m2, ir2.Dim,
                cgName ?? "", triu, equation);
        }

        bool Active(Instruction ins) =>
            ins.IOut < IrrepsOut.Length && IrrepsOut[ins.IOut].Mul > 0 && !ins.PathShape.Contains(0)
            && IrrepsIn1[ins.IIn1].Mul > 0 && IrrepsIn2[ins.IIn2].Mul > 0;

        // Fused groups: the "uvw" paths whose first-input multiplicity is u. One matrix product of x2 with a constant
        // holding every path's path-weighted CG gives, per first-input irrep (block), an [I, N] operator; x1 times it
        // gives all paths of the block at once; each output then mixes its columns with the weights in one product.
        // Used when that constant stays small (x2 not much larger than u).
        var fused = new List<FusedGroup>();
        var blocks = new List<FusedBlock>();
        var fusedParts = new Dictionary<int, List<FusedPart>>();
        var fusedInstructions = new HashSet<int>();
        var uvw = Enumerable.Range(0, Instructions.Count)
            .Where(n => Instructions[n].ConnectionMode == "uvw" && Active(Instructions[n])).ToList();
        foreach (var byMul in uvw.GroupBy(n => IrrepsIn1[Instructions[n].IIn1].Mul))
        {
            var u = byMul.Key;
            long d2 = IrrepsIn2.Dim;
            var byIn1 = byMul.GroupBy(n => Instructions[n].IIn1).OrderBy(g => g.Key).ToList();
            long aCols = 0;
            foreach (var g in byIn1)
            {
                long n2 = g.Sum(n => IrrepsIn2[Instructions[n].IIn2].Mul * IrrepsOut[Instructions[n].IOut].Ir.Dim);
                aCols += IrrepsIn1[g.Key].Ir.Dim * n2;
            }
            if (d2 * aCols > 1 << 18 || (d2 > 2 * u && d2 * aCols > 8192)) continue;

            var groupIndex = fused.Count;
            var firstBlock = blocks.Count;
            var cg = new double[d2 * aCols];
            long aOffset = 0;
            var pieces = new Dictionary<int, List<(FusedPiece Piece, List<PathPlan> Paths)>>();
            foreach (var g in byIn1)
            {
                var ir1 = IrrepsIn1[g.Key].Ir;
                var di = ir1.Dim;
                var ordered = g.OrderBy(n => Instructions[n].IOut).ThenBy(n => n).ToList();
                long nCols = ordered.Sum(n => IrrepsIn2[Instructions[n].IIn2].Mul * IrrepsOut[Instructions[n].IOut].Ir.Dim);
                var blockIndex = blocks.Count;
                long column = 0;
                foreach (var outGroup in ordered.GroupBy(n => Instructions[n].IOut))
                {
                    var o = outGroup.Key;
                    var dk = IrrepsOut[o].Ir.Dim;
                    var start = column;
                    long vTotal = 0;
                    var paths = new List<PathPlan>();
                    foreach (var n in outGroup)
                    {
                        var ins = Instructions[n];
                        var (m2, ir2) = IrrepsIn2[ins.IIn2];
                        var c = Cg(ir1, ir2, IrrepsOut[o].Ir, ins.PathWeight);
                        var dj = ir2.Dim;
                        for (var v = 0; v < m2; v++)
                        {
                            for (var i = 0; i < di; i++)
                            {
                                for (var j = 0; j < dj; j++)
                                {
                                    for (var k = 0; k < dk; k++)
                                    {
                                        var row = slices2[ins.IIn2].Start + v * dj + j;
                                        var col = aOffset + i * nCols + column + v * dk + k;
                                        cg[row * aCols + col] = c[(i * dj + j) * dk + k];
                                    }
                                }
                            }
                        }
                        column += m2 * dk;
                        vTotal += m2;
                        paths.Add(MakePath(n, null));
                        fusedInstructions.Add(n);
                    }
                    if (!pieces.TryGetValue(o, out var list)) pieces[o] = list = new();
                    list.Add((new FusedPiece(blockIndex, start, vTotal), paths));
                }
                blocks.Add(new FusedBlock(slices1[g.Key].Start, di, nCols, aOffset));
                aOffset += di * nCols;
            }
            foreach (var (o, list) in pieces)
            {
                if (!fusedParts.TryGetValue(o, out var parts)) fusedParts[o] = parts = new List<FusedPart>();
                parts.Add(new FusedPart(groupIndex, list.Select(e => e.Piece).ToArray(),
                    list.SelectMany(e => e.Paths).ToArray()));
            }
            var name = _constants.AddFloat($"cg_uvw_{groupIndex}", cg, d2, aCols);
            fused.Add(new FusedGroup(u, firstBlock, blocks.Count - firstBlock, name));
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
                        g = new UvwGroup(ins.IIn1, slices1[ins.IIn1].Start, m1, ir1.Dim);
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
            var parts = fusedParts.TryGetValue(o, out var fp) ? fp.ToArray() : Array.Empty<FusedPart>();
            plans.Add(new OutputPlan(o, mo, irO.Dim, groups.ToArray(), parts, others.ToArray(), anyWeighted));
        }
        return (plans.ToArray(), fused.ToArray(), blocks.ToArray());
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
        long In1Start,
        long Mul1,
        long Dim1,
        long In2Start,
        long Mul2,
        long Dim2,
        string Cg,
        string? Triu,
        string? Equation);

    private sealed class UvwGroup
    {
        public UvwGroup(int iIn1, long in1Start, long mul1, long dim1)
        {
            IIn1 = iIn1;
            In1Start = in1Start;
            Mul1 = mul1;
            Dim1 = dim1;
        }

        public int IIn1 { get; }
        public long In1Start { get; }
        public long Mul1 { get; }
        public long Dim1 { get; }
        public List<PathPlan> Paths { get; } = new();

        // Total multiplicity of the second inputs of the group's paths.
        public long V { get; set; }
    }

    private sealed record OutputPlan(
        int IOut, long Mul, long Dim, UvwGroup[] Uvw, FusedPart[] Fused, PathPlan[] Others, bool AnyWeighted);

    // Fused "uvw" paths with first-input multiplicity Mul1: blocks [FirstBlock, FirstBlock + BlockCount), constant Cg.
    private sealed record FusedGroup(long Mul1, int FirstBlock, int BlockCount, string Cg);

    // One first-input irrep of a fused group: x1 at In1Start ([u, I]); its [I, N] operator at AOffset of x2 · CG.
    private sealed record FusedBlock(long In1Start, long I, long N, long AOffset);

    // The columns [ColumnStart, ColumnStart + V*K) of a block that feed one output irrep.
    private sealed record FusedPiece(int Block, long ColumnStart, long V);

    // A fused group's contribution to one output: its pieces (in block order) and their paths in column order.
    private sealed record FusedPart(int Group, FusedPiece[] Pieces, PathPlan[] Paths);
}
