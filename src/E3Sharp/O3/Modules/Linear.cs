using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Equivariant linear layer (e3nn's <c>o3.Linear</c>): each output irrep is a weighted sum of the input irreps of the
/// same type, <c>out[i_out]_w = Σ_paths path_weight · Σ_u W_uw · x[i_in]_u</c>, plus optional biases on scalar
/// outputs. Path weights are <c>alpha^-1/2</c> with <c>alpha = Σ mul_in</c> over the paths into the output
/// (<c>"element"</c>) or <c>mul_in · #paths</c> (<c>"path"</c>).
/// </summary>
/// <remarks>The flat weight vector holds each path's <c>mul_in × mul_out</c> block (row-major) in instruction order,
/// the bias vector each biased output's <c>mul</c> entries — e3nn's layout (state-dict keys <c>weight</c>,
/// <c>bias</c>, <c>output_mask</c>). All paths into one output irrep are evaluated as one matrix product.</remarks>
[CompileMode(JitMode.Trace)]
public partial class Linear : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    [ComponentName(Name = "weight")]
    private Tensor _weight;

    [ComponentName(Name = "bias")]
    private Tensor _bias;

    [ComponentName(Name = "output_mask")]
    private Tensor _outputMask;

    private readonly ConstantSet _constants = new();
    private readonly OutputPlan[] _plan;
    private readonly bool _anyPath;

    // The input and the weights are split once per call (TensorSplits), not narrowed per path.
    private readonly long[] _inSizes;
    private readonly long[] _weightSizes;
    private readonly string _description;

    /// <summary>Creates the layer with biases on all scalar (<c>0e</c>) outputs or on none.</summary>
    /// <param name="irrepsIn">Input irreps.</param>
    /// <param name="irrepsOut">Output irreps.</param>
    /// <param name="biases">Whether every <c>0e</c> output gets a bias.</param>
    /// <param name="instructions">Paths <c>(iIn, iOut)</c>; default: every pair with equal irreps.</param>
    /// <param name="internalWeights">Whether the layer holds its weights (default <c>true</c> unless not shared).</param>
    /// <param name="sharedWeights">Whether one weight vector serves the whole batch (default <c>true</c>).</param>
    /// <param name="pathNormalization"><c>"element"</c> (default) or <c>"path"</c>.</param>
    /// <param name="dtype">Floating dtype (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public Linear(
        Irreps irrepsIn,
        Irreps irrepsOut,
        bool biases = false,
        IEnumerable<(int IIn, int IOut)>? instructions = null,
        bool? internalWeights = null,
        bool? sharedWeights = null,
        string pathNormalization = "element",
        ScalarType? dtype = null,
        Device? device = null)
        : this(irrepsIn, irrepsOut, BiasMask(irrepsOut, biases), instructions, internalWeights, sharedWeights,
            pathNormalization, dtype, device)
    {
    }

    /// <summary>Creates the layer with a bias flag per output irrep (only scalar outputs may have one).</summary>
    /// <param name="irrepsIn">Input irreps.</param>
    /// <param name="irrepsOut">Output irreps.</param>
    /// <param name="biases">One flag per entry of <paramref name="irrepsOut"/>.</param>
    /// <param name="instructions">Paths <c>(iIn, iOut)</c>; default: every pair with equal irreps.</param>
    /// <param name="internalWeights">Whether the layer holds its weights (default <c>true</c> unless not shared).</param>
    /// <param name="sharedWeights">Whether one weight vector serves the whole batch (default <c>true</c>).</param>
    /// <param name="pathNormalization"><c>"element"</c> (default) or <c>"path"</c>.</param>
    /// <param name="dtype">Floating dtype (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public Linear(
        Irreps irrepsIn,
        Irreps irrepsOut,
        IReadOnlyList<bool> biases,
        IEnumerable<(int IIn, int IOut)>? instructions = null,
        bool? internalWeights = null,
        bool? sharedWeights = null,
        string pathNormalization = "element",
        ScalarType? dtype = null,
        Device? device = null)
        : base(nameof(Linear))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(irrepsOut);
        ArgumentNullException.ThrowIfNull(biases);
        IrrepsInSingle = irrepsIn;
        IrrepsOut = irrepsOut;
        var where = $"{nameof(Linear)}({irrepsIn} -> {irrepsOut})";
        if (pathNormalization is not ("element" or "path"))
        {
            throw new ArgumentException(
                $"{where}: pathNormalization must be \"element\" or \"path\", got \"{pathNormalization}\".",
                nameof(pathNormalization));
        }

        var pairs = instructions?.ToList() ?? DefaultInstructions(irrepsIn, irrepsOut);
        foreach (var (iIn, iOut) in pairs)
        {
            if (iIn < 0 || iIn >= irrepsIn.Length)
            {
                throw new ArgumentException(
                    $"{where}: {iIn} is not a valid index for irreps_in ({irrepsIn.Length} entries).", nameof(instructions));
            }
            if (iOut < 0 || iOut >= irrepsOut.Length)
            {
                throw new ArgumentException(
                    $"{where}: {iOut} is not a valid index for irreps_out ({irrepsOut.Length} entries).", nameof(instructions));
            }
            if (irrepsIn[iIn].Ir != irrepsOut[iOut].Ir)
            {
                throw new ArgumentException(
                    $"{where}: instruction ({iIn}, {iOut}) connects {irrepsIn[iIn].Ir} to {irrepsOut[iOut].Ir}; " +
                    "a linear path needs the same irrep.", nameof(instructions));
            }
        }
        if (biases.Count != irrepsOut.Length)
        {
            throw new ArgumentException(
                $"{where}: biases has {biases.Count} flags but irreps_out has {irrepsOut.Length} entries.", nameof(biases));
        }
        for (var o = 0; o < irrepsOut.Length; o++)
        {
            if (biases[o] && !irrepsOut[o].Ir.IsScalar())
            {
                throw new ArgumentException(
                    $"{where}: output {o} ({irrepsOut[o]}) is not a scalar (0e) and cannot have a bias.", nameof(biases));
            }
        }

        var list = new List<LinearInstruction>();
        foreach (var (iIn, iOut) in pairs)
        {
            double alpha = 0;
            foreach (var (otherIn, otherOut) in pairs)
            {
                if (otherOut == iOut) alpha += irrepsIn[pathNormalization == "element" ? otherIn : iIn].Mul;
            }
            if (alpha == 0) alpha = 1;
            list.Add(new LinearInstruction(iIn, iOut, new[] { irrepsIn[iIn].Mul, irrepsOut[iOut].Mul },
                Math.Pow(alpha, -0.5)));
        }
        for (var o = 0; o < irrepsOut.Length; o++)
        {
            if (biases[o]) list.Add(new LinearInstruction(-1, o, new[] { irrepsOut[o].Dim }, 1.0));
        }
        Instructions = list;

        if (sharedWeights == false && internalWeights is null) internalWeights = false;
        SharedWeights = sharedWeights ?? true;
        InternalWeights = internalWeights ?? true;
        if (!SharedWeights && InternalWeights)
        {
            throw new ArgumentException($"{where}: internal weights require shared weights (sharedWeights: true).",
                nameof(internalWeights));
        }
        WeightNumel = list.Where(i => i.IIn >= 0).Sum(i => i.PathNumel);
        BiasNumel = list.Where(i => i.IIn < 0).Sum(i => i.PathNumel);

        var dt = dtype ?? get_default_dtype();
        if (!E3Sharp.O3.Modules.ModuleChecks.IsFloating(dt))
        {
            throw new ArgumentException($"{where}: dtype must be a floating type, got {dt}.", nameof(dtype));
        }
        var dev = device ?? CPU;
        _weight = InternalWeights && WeightNumel > 0
            ? new Parameter(randn(new long[] { WeightNumel }, dt, dev))
            : empty(new long[] { 0 }, dt, dev);
        _bias = InternalWeights && BiasNumel > 0
            ? new Parameter(zeros(new long[] { BiasNumel }, dt, dev))
            : empty(new long[] { 0 }, dt, dev);
        var mask = new List<double>();
        for (var o = 0; o < irrepsOut.Length; o++)
        {
            var reached = list.Any(i => i.IOut == o && !i.PathShape.Contains(0));
            mask.AddRange(Enumerable.Repeat(reached ? 1.0 : 0.0, irrepsOut[o].Dim));
        }
        _outputMask = tensor(mask.ToArray(), new long[] { mask.Count }, dt, dev);
        (_plan, _weightSizes) = BuildPlan();
        _anyPath = _plan.Any(op => op.Paths.Length > 0);
        _inSizes = irrepsIn.Select(m => (long)m.Dim).ToArray();
        _description = $"{nameof(Linear)}({irrepsIn} -> {irrepsOut} | {WeightNumel} weights)";

        RegisterComponents();
        RegisterConstants(dt, dev);
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The irreps of the input: <c>[irrepsIn]</c>.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The output irreps.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>The paths (weights first, then biases with <c>IIn = -1</c>), with final path weights.</summary>
    public IReadOnlyList<LinearInstruction> Instructions { get; }

    /// <summary>Whether one weight vector serves the whole batch.</summary>
    public bool SharedWeights { get; }

    /// <summary>Whether the layer holds its weights and biases as parameters.</summary>
    public bool InternalWeights { get; }

    /// <summary>Number of weights.</summary>
    public int WeightNumel { get; }

    /// <summary>Number of biases.</summary>
    public int BiasNumel { get; }

    /// <summary>The internal weights (a parameter), or an empty buffer.</summary>
    public Tensor Weight => _weight;

    /// <summary>The internal biases (a parameter, zeros at construction), or an empty buffer.</summary>
    public Tensor Bias => _bias;

    /// <summary>1 for the output components some path or bias writes to, 0 for the others.</summary>
    public Tensor OutputMask => _outputMask;

    /// <summary>Applies the layer with the internal weights and biases.</summary>
    /// <param name="features">Input of shape <c>[..., IrrepsIn.Dim]</c>.</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor features) => forward(features, null, null);

    /// <summary>Applies the layer.</summary>
    /// <param name="features">Input of shape <c>[..., IrrepsIn.Dim]</c>.</param>
    /// <param name="weight">Weights (<c>null</c>: internal), shape <c>[WeightNumel]</c> or <c>[..., WeightNumel]</c>
    /// when not shared.</param>
    /// <param name="bias">Biases (<c>null</c>: internal), shape <c>[BiasNumel]</c> or <c>[..., BiasNumel]</c>.</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c>.</returns>
    public Tensor forward(Tensor features, Tensor? weight, Tensor? bias)
    {
        InputContract.Check(this, features, weight, bias);
        var w = Resolve(weight, _weight, WeightNumel, "weight");
        var b = Resolve(bias, _bias, BiasNumel, "bias");
        var parts = new List<Tensor>();
        Tensor? zero = null;
        var inParts = !_anyPath ? Array.Empty<Tensor>() : features.SplitLast(_inSizes);
        var wParts = !_anyPath ? Array.Empty<Tensor>() : w.SplitLast(_weightSizes);
        foreach (var op in _plan)
        {
            Tensor? acc = null;
            if (op.Paths.Length > 0)
            {
                var xs = new List<Tensor>();
                var ws = new List<Tensor>();
                foreach (var p in op.Paths)
                {
                    xs.Add(inParts[p.InIndex].unflatten(^1, p.MulIn, op.Dim));         // [..., u, k]
                    ws.Add(wParts[p.WeightPart].unflatten(^1, p.MulIn, op.Mul));       // [..., u, w]
                }
                var xAll = xs.Count == 1 ? xs[0] : cat(xs, -2);                        // [..., U, k]
                var wAll = ws.Count == 1 ? ws[0] : cat(ws, -2);                        // [..., U, w]
                wAll = wAll.mul(get_buffer(op.Scale!)!);
                var o = xAll.transpose(-1, -2).checked_matmul(wAll);                           // [..., k, w]
                acc = o.transpose(-1, -2).flatten(-2);                                 // [..., w*k]
            }
            if (op.BiasOffset >= 0)
            {
                var bo = b.narrow(-1, op.BiasOffset, op.Mul * op.Dim);
                if (acc is null)
                {
                    zero ??= ZeroBase(features, w, b);
                    acc = zero.add(bo);
                }
                else
                {
                    acc = acc.add(bo);
                }
            }
            if (acc is null)
            {
                zero ??= ZeroBase(features, w, b);
                acc = zero.add(zero.new_zeros(new long[] { op.Mul * op.Dim }));       // broadcast: any rank
            }
            parts.Add(acc);
        }
        if (parts.Count == 0)
        {
            zero ??= ZeroBase(features, w, b);
            return zero.narrow(-1, 0, 0);
        }
        return parts.Count == 1 ? parts[0] : cat(parts, -1);
    }


    private InputContract? _contract;

    /// <summary>What <c>forward(features, weight, bias)</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(),
        [
            ModuleChecks.Input("features", IrrepsInSingle),
            SharedWeights
                ? new InputSpec("weight", WeightNumel, $"last dimension {WeightNumel} (shared weights)", Batched: false)
                : new InputSpec("weight", WeightNumel, $"last dimension {WeightNumel} (sharedWeights: false)", MinRank: 2),
            SharedWeights
                ? new InputSpec("bias", BiasNumel, $"last dimension {BiasNumel} (shared weights)", Batched: false)
                : new InputSpec("bias", BiasNumel, $"last dimension {BiasNumel} (sharedWeights: false)", MinRank: 2),
        ],
        "output_mask");
    /// <summary>Frees the module's tensors, the derived constants (non-persistent buffers) included.</summary>
    /// <param name="disposing">Whether called from <c>Dispose()</c>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            TorchSharpInternals.DisposeNonPersistentBuffers(this);
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override string ToString() => _description;

    /// <inheritdoc cref="ConstantSet.RegisterInto"/>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        RegisterConstants(_outputMask.dtype, _outputMask.device);
    }

    private void RegisterConstants(ScalarType dtype, Device device) =>
        _constants.RegisterInto(this, (name, t) => ConditionallyRegisterBuffer(name, t, persistent: false), dtype, device);

    private Tensor ZeroBase(Tensor x, Tensor w, Tensor b)
    {
        var z = x.narrow(-1, 0, 0).sum(-1, keepdim: true);
        if (!SharedWeights)
        {
            z = z.add(w.narrow(-1, 0, 0).sum(-1, keepdim: true)).add(b.narrow(-1, 0, 0).sum(-1, keepdim: true));
        }
        return z;
    }

    private Tensor Resolve(Tensor? given, Tensor own, int numel, string name)
    {
        if (given is null)
        {
            if (numel > 0 && !InternalWeights)
            {
                throw new ArgumentException(
                    $"{_description}: {name} must be provided when the layer has no internal weights " +
                    $"(expected shape {(SharedWeights ? $"[{numel}]" : $"[..., {numel}]")}).", name);
            }
            return own;
        }
        var dtype = _outputMask.dtype;
        var ok = given.dtype == dtype && given.dim() >= 1 && given.shape[^1] == numel
                 && (SharedWeights ? given.dim() == 1 : given.dim() > 1);
        if (!ok)
        {
            var expected = SharedWeights ? $"[{numel}]" : $"[..., {numel}] with at least one batch dimension";
            throw new ArgumentException(
                $"{_description}: {name} must have shape {expected} and dtype {dtype}, but got a tensor of shape " +
                $"{ModuleChecks.ShapeOf(given.shape)} and dtype {given.dtype}.", name);
        }
        return given;
    }

    private static List<(int IIn, int IOut)> DefaultInstructions(Irreps irrepsIn, Irreps irrepsOut)
    {
        var result = new List<(int, int)>();
        for (var i = 0; i < irrepsIn.Length; i++)
        {
            for (var o = 0; o < irrepsOut.Length; o++)
            {
                if (irrepsIn[i].Ir == irrepsOut[o].Ir) result.Add((i, o));
            }
        }
        return result;
    }

    private static IReadOnlyList<bool> BiasMask(Irreps irrepsOut, bool biases)
    {
        ArgumentNullException.ThrowIfNull(irrepsOut);
        return irrepsOut.Select(mi => biases && mi.Ir.IsScalar()).ToArray();
    }

    private (OutputPlan[] Plan, long[] WeightSizes) BuildPlan()
    {
        var plans = new List<OutputPlan>();
        long biasOffset = 0;
        var weightParts = new int[Instructions.Count];
        var biasOffsets = new long[Instructions.Count];
        var weightSizes = new List<long>();
        for (var n = 0; n < Instructions.Count; n++)
        {
            if (Instructions[n].IIn >= 0)
            {
                weightParts[n] = weightSizes.Count;
                weightSizes.Add(Instructions[n].PathNumel);
            }
            else
            {
                biasOffsets[n] = biasOffset;
                biasOffset += Instructions[n].PathNumel;
            }
        }
        for (var o = 0; o < IrrepsOut.Length; o++)
        {
            var (mulOut, irOut) = IrrepsOut[o];
            if (mulOut == 0) continue;
            var paths = new List<PathPlan>();
            var scale = new List<double>();
            long bias = -1;
            for (var n = 0; n < Instructions.Count; n++)
            {
                var ins = Instructions[n];
                if (ins.IOut != o) continue;
                if (ins.IIn < 0)
                {
                    bias = biasOffsets[n];
                    continue;
                }
                var mulIn = IrrepsInSingle[ins.IIn].Mul;
                if (mulIn == 0) continue;
                paths.Add(new PathPlan(ins.IIn, mulIn, weightParts[n]));
                scale.AddRange(Enumerable.Repeat(ins.PathWeight, mulIn));
            }
            string? scaleName = null;
            if (paths.Count > 0) scaleName = _constants.AddFloat($"scale_{o}", scale.ToArray(), scale.Count, 1);
            plans.Add(new OutputPlan(mulOut, irOut.Dim, paths.ToArray(), scaleName, bias));
        }
        return (plans.ToArray(), weightSizes.ToArray());
    }

    // InIndex: the input irrep (a part of the input's split); WeightPart: the instruction's part of the weights' split.
    private sealed record PathPlan(int InIndex, long MulIn, int WeightPart);

    private sealed record OutputPlan(long Mul, long Dim, PathPlan[] Paths, string? Scale, long BiasOffset);
}
