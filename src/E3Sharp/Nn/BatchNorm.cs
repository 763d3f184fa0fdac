using E3Sharp.Jit;
using E3Sharp.Jit.Tracing;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// Batch (or instance) normalization of orthonormal representations (e3nn's <c>nn.BatchNorm</c>): scalar irreps are
/// centred, and every irrep copy is divided by the square root of its mean squared norm (<c>"norm"</c>) or mean squared
/// component (<c>"component"</c>), averaged (<c>reduce: "mean"</c>) or maximised (<c>"max"</c>) over the samples. In
/// training (batch mode) the statistics of the batch are used and the running ones are updated with
/// <c>running = (1 - momentum) running + momentum batch</c>; in evaluation the running statistics are used.
/// </summary>
/// <remarks>
/// Compiling: e3nn marks <c>BatchNorm</c> <c>"unsupported"</c>. Here it is traced: a module in evaluation mode
/// (<c>eval()</c>), or an instance norm in either mode, compiles; a batch norm in training mode is refused (its
/// running-statistics update cannot be recorded by a trace), so call <c>eval()</c> before compiling.
/// </remarks>
/// <example>
/// <code>
/// var bn = new BatchNorm(new Irreps("2x0e + 1x1o"));
/// var y = bn.call(torch.randn(16, 5));   // training: batch statistics, running ones updated
/// bn.eval();
/// var z = bn.call(torch.randn(4, 5));    // evaluation: running statistics
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class BatchNorm : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private readonly Tensor? running_mean;
    private readonly Tensor? running_var;
    private readonly TorchSharp.Modules.Parameter? weight;
    private readonly TorchSharp.Modules.Parameter? bias;
    private readonly (int Mul, int Dim, bool IsScalar)[] _irs;
    private readonly bool _normalizationIsNorm;
    private readonly bool _reduceIsMax;

    /// <summary>Creates the normalization.</summary>
    /// <param name="irreps">Input (and output) irreps.</param>
    /// <param name="eps">Added to the variances before the square root (default 1e-5).</param>
    /// <param name="momentum">Momentum of the running averages (default 0.1).</param>
    /// <param name="affine">Whether to learn a weight per irrep copy (and a bias per scalar, see
    /// <paramref name="includeBias"/>).</param>
    /// <param name="reduce"><c>"mean"</c> or <c>"max"</c>: how the squared norms are reduced over the samples.</param>
    /// <param name="instance">Instance normalization: statistics per batch entry, no running statistics.</param>
    /// <param name="includeBias">With <paramref name="affine"/>, whether the scalars get a learned bias.</param>
    /// <param name="normalization"><c>"component"</c> or <c>"norm"</c>.</param>
    /// <param name="dtype">Dtype of the parameters and buffers (default: torch's default dtype).</param>
    public BatchNorm(Irreps irreps, double eps = 1e-5, double momentum = 0.1, bool affine = true,
        string reduce = "mean", bool instance = false, bool includeBias = true, string normalization = "component",
        ScalarType? dtype = null)
        : base(nameof(BatchNorm))
    {
        ArgumentNullException.ThrowIfNull(irreps);
        if (reduce is not ("mean" or "max"))
        {
            throw new ArgumentException($"BatchNorm({irreps}): reduce must be 'mean' or 'max', not '{reduce}'.",
                nameof(reduce));
        }

        if (normalization is not ("norm" or "component"))
        {
            throw new ArgumentException(
                $"BatchNorm({irreps}): normalization must be 'norm' or 'component', not '{normalization}'.",
                nameof(normalization));
        }

        Irreps = irreps;
        Eps = eps;
        Momentum = momentum;
        Affine = affine;
        Instance = instance;
        IncludeBias = includeBias;
        Reduce = reduce;
        Normalization = normalization;
        _reduceIsMax = reduce == "max";
        _normalizationIsNorm = normalization == "norm";
        _irs = irreps.Select(mi => (mi.Mul, mi.Ir.Dim, mi.Ir.L == 0 && mi.Ir.P == 1)).ToArray();

        var numScalar = _irs.Where(i => i.IsScalar).Sum(i => i.Mul);
        var numFeatures = irreps.NumIrreps;
        var type = dtype ?? get_default_dtype();
        if (!instance)
        {
            running_mean = zeros(numScalar, dtype: type);
            running_var = ones(numFeatures, dtype: type);
        }

        if (affine)
        {
            weight = new TorchSharp.Modules.Parameter(ones(numFeatures, dtype: type));
            if (includeBias)
            {
                bias = new TorchSharp.Modules.Parameter(zeros(numScalar, dtype: type));
            }
        }

        RegisterComponents();
    }

    /// <summary>The irreps normalized.</summary>
    public Irreps Irreps { get; }

    /// <summary>The input irreps.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { Irreps };

    /// <summary>The output irreps (the input's).</summary>
    public Irreps IrrepsOut => Irreps;

    /// <summary>Added to the variances before the square root.</summary>
    public double Eps { get; }

    /// <summary>Momentum of the running averages.</summary>
    public double Momentum { get; }

    /// <summary>Whether there are learned weights (and biases).</summary>
    public bool Affine { get; }

    /// <summary>Instance normalization (no running statistics).</summary>
    public bool Instance { get; }

    /// <summary>Whether the scalars get a learned bias (with <see cref="Affine"/>).</summary>
    public bool IncludeBias { get; }

    /// <summary><c>"mean"</c> or <c>"max"</c>.</summary>
    public string Reduce { get; }

    /// <summary><c>"component"</c> or <c>"norm"</c>.</summary>
    public string Normalization { get; }

    /// <summary>Running mean of the scalars (null for instance normalization).</summary>
    public Tensor? RunningMean => running_mean;

    /// <summary>Running mean squared norm (or component) per irrep copy (null for instance normalization).</summary>
    public Tensor? RunningVar => running_var;

    /// <summary>The learned weight per irrep copy, or null.</summary>
    public TorchSharp.Modules.Parameter? Weight => weight;

    /// <summary>The learned bias per scalar, or null.</summary>
    public TorchSharp.Modules.Parameter? Bias => bias;

    /// <summary>Normalizes <c>[batch, ..., Irreps.Dim]</c>.</summary>
    /// <param name="input">Input <c>[batch, ..., Irreps.Dim]</c>.</param>
    public override Tensor forward(Tensor input)
    {
        var useBatchStats = training || Instance;
        var updateRunning = training && !Instance;
        if (updateRunning && TraceSession.IsActive)
        {
            throw new NotSupportedException(
                $"BatchNorm({Irreps}): a batch norm in training mode cannot be compiled (a trace cannot update its " +
                "running statistics; e3nn marks BatchNorm unsupported); call eval() before compiling.");
        }

        InputContract.Check(this, input);
        var batch = input.shape[0];
        var dim = input.shape[^1];
        var runningMean = running_mean;
        var runningVar = running_var;
        var x = input.reshape(batch, -1, dim);
        var fields = new List<Tensor>();
        long ix = 0;
        long irm = 0;
        long irv = 0;
        long iw = 0;
        long ib = 0;
        using var two = 2.ToScalar();
        using var inverseSqrt = (-0.5).ToScalar();
        using var eps = Eps.ToScalar();
        foreach (var (mul, d, isScalar) in _irs)
        {
            var field = x.narrow(2, ix, mul * d).reshape(batch, -1, mul, d);
            ix += mul * d;
            if (isScalar)
            {
                Tensor fieldMean;
                if (useBatchStats)
                {
                    if (Instance)
                    {
                        fieldMean = field.mean(new long[] { 1 }).reshape(batch, mul);
                    }
                    else
                    {
                        fieldMean = field.mean(new long[] { 0, 1 }).reshape(mul);
                        BatchNormStatistics.RollAverage(running_mean, irm, fieldMean, Momentum);
                    }
                }
                else
                {
                    fieldMean = runningMean!.narrow(0, irm, mul);
                }

                irm += mul;
                field = field - fieldMean.reshape(-1, 1, mul, 1);
            }

            Tensor fieldNorm;
            if (useBatchStats)
            {
                var sq = field.pow(two);
                fieldNorm = _normalizationIsNorm ? sq.sum(3) : sq.mean(new long[] { 3 });
                if (_reduceIsMax)
                {
                    fieldNorm = fieldNorm.amax(new long[] { 1 });   // e3nn: max(1).values
                }
                else
                {
                    fieldNorm = fieldNorm.mean(new long[] { 1 });
                }

                if (!Instance)
                {
                    fieldNorm = fieldNorm.mean(new long[] { 0 });
                    BatchNormStatistics.RollAverage(running_var, irv, fieldNorm, Momentum);
                }
            }
            else
            {
                fieldNorm = runningVar!.narrow(0, irv, mul);
            }

            irv += mul;
            fieldNorm = (fieldNorm + eps).pow(inverseSqrt);
            if (weight is not null)
            {
                fieldNorm = fieldNorm * weight.narrow(0, iw, mul);
                iw += mul;
            }

            field = field * fieldNorm.reshape(-1, 1, mul, 1);
            if (bias is not null && isScalar)
            {
                field = field + bias.narrow(0, ib, mul).reshape(mul, 1);
                ib += mul;
            }

            fields.Add(field.reshape(batch, -1, mul * d));
        }

        // view_as, not reshape(shape): the compiled module then takes any number of sample dimensions
        return cat(fields, 2).view_as(input);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs, <c>[batch, ..., Irreps.Dim]</c> in the dtype of the module's state (checked
    /// eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [E3Sharp.O3.Modules.ModuleChecks.Input("input", Irreps) with { MinRank = 2 }],
        weight is not null ? "weight" : running_var is not null ? "running_var" : null) { Floating = true };

    /// <inheritdoc />
    public override string ToString() =>
        $"{nameof(BatchNorm)} ({Irreps}, eps={PythonRepr.Float(Eps)}, momentum={PythonRepr.Float(Momentum)})";

}

/// <summary>The running-statistics update of <see cref="BatchNorm"/> (eager only: outside the traced forward).</summary>
internal static class BatchNormStatistics
{
    /// <summary><c>running[start : start + n] = (1 - momentum) running[...] + momentum update</c>, without gradient.</summary>
    public static void RollAverage(torch.Tensor? running, long start, torch.Tensor update, double momentum)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var slice = running!.narrow(0, start, update.shape[0]);
        using var keep = (1.0 - momentum).ToScalar();
        using var take = momentum.ToScalar();
        slice.copy_(slice.mul(keep).add(update.detach().mul(take)));
    }
}
