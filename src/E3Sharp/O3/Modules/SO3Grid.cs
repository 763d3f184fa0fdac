using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// e3nn's <c>o3.SO3Grid</c>: signals on SO(3) between their Fourier coefficients (the flattened Wigner D matrices of
/// <c>l = 0..lmax</c>, <c>sum (2l+1)^2</c> numbers, irreps <c>(2l+1)x l</c>) and their values on a grid of Euler angles
/// <c>[res_alpha, res_beta, res_gamma]</c> (<c>res_beta = 2 resolution</c>, <c>res_alpha = res_gamma =
/// round(2 aspectRatio resolution)</c>). <c>forward</c> is e3nn's <c>to_grid</c>; <see cref="FromGrid"/> (compiled as
/// <c>from_grid</c>) its inverse by quadrature.
/// </summary>
/// <example>
/// <code>
/// var grid = new SO3Grid(2, 4);
/// var values = grid.call(torch.randn(3, 35));   // [3, 16, 8, 16]
/// var back = grid.FromGrid(values);             // [3, 35]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class SO3Grid : nn.Module<Tensor, Tensor>, ITracingInputs, IInputContract
{
    private readonly ConstantSet _constants = new();
    private readonly double _sqrtDim;

    /// <summary>Creates the grid.</summary>
    /// <param name="lmax">Largest degree.</param>
    /// <param name="resolution">The grid's resolution (beta takes <c>2 resolution</c> values).</param>
    /// <param name="normalization">Only <c>"component"</c> (as e3nn).</param>
    /// <param name="aspectRatio">Ratio of the alpha (and gamma) to the beta resolution (default 2, e3nn's).</param>
    /// <param name="dtype">Dtype of the constants and inputs (default: torch's default dtype).</param>
    public SO3Grid(int lmax, int resolution, string normalization = "component", int aspectRatio = 2, ScalarType? dtype = null)
        : base(nameof(SO3Grid))
    {
        if (normalization != "component")
        {
            throw new ArgumentException($"SO3Grid: only normalization \"component\" is supported (as e3nn), got \"{normalization}\".",
                nameof(normalization));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(lmax);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(aspectRatio);
        var dt = dtype ?? get_default_dtype();
        S2GridModules.CheckFloating(nameof(SO3Grid), dt);
        Lmax = lmax;
        ResBeta = 2 * resolution;
        ResAlpha = (int)Math.Round(2.0 * aspectRatio * resolution, MidpointRounding.ToEven);
        ResGamma = ResAlpha;
        Dim = Enumerable.Range(0, lmax + 1).Sum(l => (2 * l + 1) * (2 * l + 1));
        _sqrtDim = Math.Sqrt(Dim);
        using (var scope = NewDisposeScope())
        {
            var (b, a) = S2Grid.Grid(ResBeta, ResAlpha, ScalarType.Float64);
            var d = FlatWigner(lmax, a.reshape(-1, 1, 1), b.reshape(1, -1, 1), a.reshape(1, 1, -1));
            _constants.AddFloat("D", d.contiguous().data<double>().ToArray(), ResAlpha, ResBeta, ResGamma, Dim);
            var qw = S2Grid.QuadratureWeights(ResBeta / 2).Select(w => w * ResBeta * ResBeta / ((double)ResAlpha * ResAlpha)).ToArray();
            _constants.AddFloat("qw", qw, ResBeta);
            _constants.AddFloat("alpha", a.data<double>().ToArray(), ResAlpha);
            _constants.AddFloat("beta", b.data<double>().ToArray(), ResBeta);
            _constants.AddFloat("gamma", a.data<double>().ToArray(), ResGamma);
        }

        RegisterComponents();
        RegisterConstants(dt, CPU);
    }

    /// <summary>e3nn's <c>flat_wigner</c>: <c>sqrt(2l+1) D^l(alpha, beta, gamma)</c> flattened, for <c>l = 0..lmax</c>.</summary>
    /// <param name="lmax">Largest degree.</param>
    /// <param name="alpha">Angles alpha (broadcast with the others).</param>
    /// <param name="beta">Angles beta.</param>
    /// <param name="gamma">Angles gamma.</param>
    /// <returns><c>[..., sum (2l+1)^2]</c>.</returns>
    public static Tensor FlatWigner(int lmax, Tensor alpha, Tensor beta, Tensor gamma) =>
        cat(Enumerable.Range(0, lmax + 1)
            .Select(l =>
            {
                using var degreeScale = Math.Sqrt(2 * l + 1).ToScalar();
                return Wigner.WignerD(l, alpha, beta, gamma).flatten(-2).mul(degreeScale);
            }).ToArray(), -1);

    /// <summary>Largest degree.</summary>
    public int Lmax { get; }

    /// <summary>Number of coefficients, <c>sum (2l+1)^2</c>.</summary>
    public int Dim { get; }

    /// <summary>Number of alphas.</summary>
    public int ResAlpha { get; }

    /// <summary>Number of betas.</summary>
    public int ResBeta { get; }

    /// <summary>Number of gammas.</summary>
    public int ResGamma { get; }

    /// <summary>The coefficients' irreps, <c>(2l+1)x l e</c> for <c>l = 0..lmax</c> (the right action of SO(3)).</summary>
    public Irreps Irreps => new(Enumerable.Range(0, Lmax + 1).Select(l => new MulIr(2 * l + 1, new Irrep(l, 1))));

    /// <summary>e3nn's <c>to_grid</c>: the signal's values on the grid.</summary>
    /// <param name="features">Coefficients <c>[..., Dim]</c>.</param>
    /// <returns><c>[..., res_alpha, res_beta, res_gamma]</c>.</returns>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        using var sqrtDim = _sqrtDim.ToScalar();
        return einsum("...i,abci->...abc", features, get_buffer("D")!).div(sqrtDim);
    }

    /// <summary>e3nn's <c>to_grid</c> (the same as <c>forward</c>).</summary>
    /// <param name="features">Coefficients <c>[..., Dim]</c>.</param>
    public Tensor ToGrid(Tensor features) => forward(features);

    /// <summary>e3nn's <c>from_grid</c>: the coefficients of a signal on the grid (quadrature).</summary>
    /// <param name="signal">Values <c>[..., res_alpha, res_beta, res_gamma]</c>.</param>
    /// <returns><c>[..., Dim]</c>.</returns>
    [Export(Name = "from_grid")]
    public Tensor FromGrid(Tensor signal)
    {
        S2GridModules.CheckSo3Grid(this, signal, ResAlpha, ResBeta, ResGamma);
        // The grid sizes are constants: narrow to them (no-op views) so that a trace keeps them fixed.
        var x = signal.narrow(-3, 0, ResAlpha).narrow(-2, 0, ResBeta).narrow(-1, 0, ResGamma);
        using var sqrtDim = _sqrtDim.ToScalar();
        return einsum("...abc,abci,b->...i", x, get_buffer("D")!, get_buffer("qw")!).mul(sqrtDim);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(ToString(),
        [new InputSpec("features", Dim, $"the coefficients of l = 0..{Lmax} (last dimension {Dim})")], "D");

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) => Enumerable.Range(0, Math.Max(n, 1))
        .Select(i => new[] { randn(new long[] { 2 + i, Dim }, get_buffer("D")!.dtype) }).ToList();

    /// <inheritdoc />
    public IReadOnlyList<Tensor>? MakeExportInputs(string exportName) => exportName == "from_grid"
        ? new[] { randn(new long[] { 2, ResAlpha, ResBeta, ResGamma }, get_buffer("D")!.dtype) }
        : null;

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
        RegisterConstants(get_buffer("D")!.dtype, get_buffer("D")!.device);
    }

    private void RegisterConstants(ScalarType dtype, Device device) =>
        _constants.RegisterInto(this, (name, t) => ConditionallyRegisterBuffer(name, t, persistent: true), dtype, device);

    /// <inheritdoc />
    public override string ToString() => $"{nameof(SO3Grid)} ({Lmax})";
}
