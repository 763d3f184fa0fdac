using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// e3nn's <c>o3.ToS2Grid</c>: a spherical tensor (the coefficients <c>F^l</c>, <c>l = 0..lmax</c>, of
/// <c>f(x) = sum_l F^l . Y^l(x)</c>) to its values on the grid of <see cref="S2Grid"/>, <c>[..., res_beta, res_alpha]</c>.
/// The inverse of <see cref="FromS2Grid"/>. e3nn evaluates the alpha factor with an inverse FFT when
/// <c>res_alpha</c> is odd; this module always uses the equal matrix form (it traces into TorchScript).
/// </summary>
/// <example>
/// <code>
/// var m = new ToS2Grid(6, resBeta: 100, resAlpha: 101);
/// var signal = m.call(torch.randn(3, 49));   // [3, 100, 101]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class ToS2Grid : nn.Module<Tensor, Tensor>, ITracingInputs, IInputContract
{
    private readonly ConstantSet _constants = new();

    /// <summary>Creates the transform. Missing values are completed as e3nn does (<see cref="S2Grid.CompleteLmaxRes"/>):
    /// e3nn's <c>ToS2Grid(lmax, res)</c> is <c>new ToS2Grid(lmax, res)</c>, its <c>res=(b, a)</c> is
    /// <c>resBeta: b, resAlpha: a</c>.</summary>
    /// <param name="lmax">Largest degree of the input, or null.</param>
    /// <param name="resBeta">Number of betas (even), or null.</param>
    /// <param name="resAlpha">Number of alphas, or null.</param>
    /// <param name="normalization"><c>"component"</c> (default), <c>"norm"</c> or <c>"integral"</c>.</param>
    /// <param name="dtype">Dtype of the constants and inputs (default: torch's default dtype).</param>
    public ToS2Grid(int? lmax = null, int? resBeta = null, int? resAlpha = null, string normalization = "component",
        ScalarType? dtype = null)
        : base(nameof(ToS2Grid))
    {
        S2GridModules.CheckNormalization(nameof(ToS2Grid), normalization);
        (Lmax, ResBeta, ResAlpha) = S2Grid.CompleteLmaxRes(lmax, resBeta, resAlpha);
        Normalization = normalization;
        var n = new double[Lmax + 1];
        for (var l = 0; l <= Lmax; l++)
        {
            n[l] = normalization switch
            {
                // all l get the same variance on the sphere for components of mean 0 and variance 1 ...
                "component" => Math.Sqrt(4 * Math.PI) * (1 / Math.Sqrt(2 * l + 1)) / Math.Sqrt(Lmax + 1),
                // ... or of variance 1 / (2l + 1)
                "norm" => Math.Sqrt(4 * Math.PI) / Math.Sqrt(Lmax + 1),
                _ => 1.0,
            };
        }

        S2GridModules.AddConstants(_constants, Lmax, ResBeta, ResAlpha, n, null);
        var dt = dtype ?? get_default_dtype();
        S2GridModules.CheckFloating(nameof(ToS2Grid), dt);
        RegisterComponents();
        RegisterConstants(dt, CPU);
    }

    /// <summary>Largest degree of the input.</summary>
    public int Lmax { get; }

    /// <summary>Number of betas of the grid.</summary>
    public int ResBeta { get; }

    /// <summary>Number of alphas of the grid.</summary>
    public int ResAlpha { get; }

    /// <summary>The normalisation.</summary>
    public string Normalization { get; }

    /// <summary>The grid's points <c>[res_beta, res_alpha, 3]</c> (e3nn's <c>grid</c>).</summary>
    public Tensor Grid => S2GridModules.Points(get_buffer("betas")!, get_buffer("alphas")!);

    /// <summary>Evaluates the signal on the grid.</summary>
    /// <param name="features">Coefficients <c>[..., (lmax + 1)^2]</c>.</param>
    /// <returns><c>[..., res_beta, res_alpha]</c>.</returns>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        var x = einsum("mbi,...i->...bm", get_buffer("shb")!, features);     // [..., beta, m]
        return einsum("am,...bm->...ba", get_buffer("sha")!, x);            // [..., beta, alpha]
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(ToString(),
        [new InputSpec("features", (Lmax + 1) * (Lmax + 1), $"the coefficients of l = 0..{Lmax} (last dimension {(Lmax + 1) * (Lmax + 1)})")],
        "shb");

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) => Enumerable.Range(0, Math.Max(n, 1))
        .Select(i => new[] { randn(new long[] { 2 + i, (Lmax + 1) * (Lmax + 1) }, get_buffer("shb")!.dtype) }).ToList();

    /// <inheritdoc />
    public bool FixedLastDimension => true;

    /// <summary>Frees the module's tensors, the constants included.</summary>
    /// <param name="disposing">Whether called from <c>Dispose()</c>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing) TorchSharpInternals.DisposeNonPersistentBuffers(this);
        base.Dispose(disposing);
    }

    /// <inheritdoc cref="ConstantSet.RegisterInto"/>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        RegisterConstants(get_buffer("shb")!.dtype, get_buffer("shb")!.device);
    }

    private void RegisterConstants(ScalarType dtype, Device device) =>
        _constants.RegisterInto(this, (name, t) => ConditionallyRegisterBuffer(name, t, persistent: true), dtype, device);

    /// <inheritdoc />
    public override string ToString() => $"{nameof(ToS2Grid)}(lmax={Lmax} res={ResBeta}x{ResAlpha} (beta x alpha))";
}
