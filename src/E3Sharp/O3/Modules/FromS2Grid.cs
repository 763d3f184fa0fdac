using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// e3nn's <c>o3.FromS2Grid</c>: a signal on the grid of <see cref="S2Grid"/>, <c>[..., res_beta, res_alpha]</c>, to its
/// spherical tensor <c>[..., (lmax + 1)^2]</c> (quadrature with e3nn's weights). The inverse of <see cref="ToS2Grid"/>.
/// e3nn uses an FFT over alpha when <c>res_alpha</c> is odd; this module uses the equal matrix form (it traces).
/// </summary>
/// <example>
/// <code>
/// var m = new FromS2Grid(resBeta: 100, resAlpha: 101, lmax: 6);
/// var coefficients = m.call(torch.randn(3, 100, 101));   // [3, 49]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class FromS2Grid : nn.Module<Tensor, Tensor>, ITracingInputs, IInputContract
{
    private readonly ConstantSet _constants = new();

    /// <summary>Creates the transform (missing values completed as e3nn does, <see cref="S2Grid.CompleteLmaxRes"/>):
    /// e3nn's <c>FromS2Grid(res, lmax)</c> is <c>new FromS2Grid(res, lmax: lmax)</c>, its <c>res=(b, a)</c> is
    /// <c>resBeta: b, resAlpha: a</c>.</summary>
    /// <param name="resBeta">Number of betas (even), or null.</param>
    /// <param name="resAlpha">Number of alphas, or null.</param>
    /// <param name="lmax">Largest degree of the output, or null.</param>
    /// <param name="normalization"><c>"component"</c> (default), <c>"norm"</c> or <c>"integral"</c>.</param>
    /// <param name="lmaxIn">The <c>lmax</c> of the <see cref="ToS2Grid"/> this inverts (default <paramref name="lmax"/>).</param>
    /// <param name="dtype">Dtype of the constants and inputs (default: torch's default dtype).</param>
    public FromS2Grid(int? resBeta = null, int? resAlpha = null, int? lmax = null, string normalization = "component",
        int? lmaxIn = null, ScalarType? dtype = null)
        : base(nameof(FromS2Grid))
    {
        S2GridModules.CheckNormalization(nameof(FromS2Grid), normalization);
        (Lmax, ResBeta, ResAlpha) = S2Grid.CompleteLmaxRes(lmax, resBeta, resAlpha);
        LmaxIn = lmaxIn ?? Lmax;
        Normalization = normalization;
        var n = new double[Lmax + 1];
        for (var l = 0; l <= Lmax; l++)
        {
            // the inverse of ToS2Grid's normalisation
            n[l] = normalization switch
            {
                "component" => Math.Sqrt(4 * Math.PI) * Math.Sqrt(2 * l + 1) * Math.Sqrt(LmaxIn + 1),
                "norm" => Math.Sqrt(4 * Math.PI) * Math.Sqrt(LmaxIn + 1),
                _ => 4 * Math.PI,
            };
        }

        var qw = S2Grid.QuadratureWeights(ResBeta / 2).Select(w => w * ResBeta * ResBeta / ResAlpha).ToArray();
        S2GridModules.AddConstants(_constants, Lmax, ResBeta, ResAlpha, n, qw);
        var dt = dtype ?? get_default_dtype();
        S2GridModules.CheckFloating(nameof(FromS2Grid), dt);
        RegisterComponents();
        RegisterConstants(dt, CPU);
    }

    /// <summary>Largest degree of the output.</summary>
    public int Lmax { get; }

    /// <summary>The <c>lmax</c> of the signal's <see cref="ToS2Grid"/> (normalisation).</summary>
    public int LmaxIn { get; }

    /// <summary>Number of betas of the grid.</summary>
    public int ResBeta { get; }

    /// <summary>Number of alphas of the grid.</summary>
    public int ResAlpha { get; }

    /// <summary>The normalisation.</summary>
    public string Normalization { get; }

    /// <summary>The grid's points <c>[res_beta, res_alpha, 3]</c> (e3nn's <c>grid</c>).</summary>
    public Tensor Grid => S2GridModules.Points(get_buffer("betas")!, get_buffer("alphas")!);

    /// <summary>Projects the signal on the spherical harmonics.</summary>
    /// <param name="signal">Values on the grid, <c>[..., res_beta, res_alpha]</c>.</param>
    /// <returns><c>[..., (lmax + 1)^2]</c>.</returns>
    public override Tensor forward(Tensor signal)
    {
        InputContract.Check(this, signal);
        S2GridModules.CheckBetas(this, signal, ResBeta);
        // The beta size is a constant of the grid: narrow to it (a no-op view) so that the trace keeps it fixed.
        var x = einsum("am,...ba->...bm", get_buffer("sha")!, signal.narrow(-2, 0, ResBeta));  // [..., beta, m]
        return einsum("mbi,...bm->...i", get_buffer("shb")!, x);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module; the compiled module checks the
    /// alpha size, the eager one both).</summary>
    public InputContract InputContract => _contract ??= new(ToString(),
        [new InputSpec("signal", ResAlpha, $"shape [..., {ResBeta}, {ResAlpha}] (res_beta x res_alpha)", MinRank: 2)],
        "shb");

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) => Enumerable.Range(0, Math.Max(n, 1))
        .Select(i => new[] { randn(new long[] { 2 + i, ResBeta, ResAlpha }, get_buffer("shb")!.dtype) }).ToList();

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
    public override string ToString() => $"{nameof(FromS2Grid)}(lmax={Lmax} res={ResBeta}x{ResAlpha} (beta x alpha))";
}
