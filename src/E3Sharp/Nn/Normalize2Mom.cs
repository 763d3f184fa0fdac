using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// Wraps an activation <c>f</c> so that its second moment under a standard normal input is 1 (e3nn's
/// <c>math.normalize2mom</c>): <c>forward(x) = cst · f(x)</c> with <c>cst = E[f(z)²]^(-1/2)</c>, or just <c>f(x)</c>
/// when <c>|cst - 1| &lt; 1e-4</c>.
/// </summary>
/// <remarks>
/// e3nn estimates <c>cst</c> from 10⁶ float64 normal samples of torch's generator seeded with 0. For TorchSharp's
/// <c>Tanh</c>, <c>Sigmoid</c>, <c>SiLU</c>, <c>ReLU</c>, <c>GELU</c> (exact), <c>Softplus</c> (beta 1) and
/// <see cref="Abs"/> the constants e3nn 0.5.6 computed are used (reference data <c>gate.json</c>,
/// <c>normalize2mom_constants</c>); any other activation is estimated the same way, with a fixed generator.
/// </remarks>
[CompileMode(JitMode.Trace)]
public partial class Normalize2Mom : nn.Module<Tensor, Tensor>, E3Sharp.Jit.ITracingInputs
{
    /// <summary>Number of normal samples used to estimate the constant of an unknown activation (as e3nn).</summary>
    public const int SampleCount = 1_000_000;

    [ComponentName(Name = "f")]
    private readonly nn.Module<Tensor, Tensor> _f;

    private readonly double _cst;
    private readonly bool _isId;

    /// <summary>Wraps <paramref name="f"/>.</summary>
    /// <param name="f">The activation (elementwise).</param>
    /// <param name="cst">The constant, or <c>null</c> to use the known value or estimate it.</param>
    public Normalize2Mom(nn.Module<Tensor, Tensor> f, double? cst = null) : base(nameof(Normalize2Mom))
    {
        ArgumentNullException.ThrowIfNull(f);
        _f = f;
        _cst = cst ?? KnownConstant(f) ?? Estimate(f);
        _isId = Math.Abs(_cst - 1.0) < 1e-4;
        RegisterComponents();
    }

    /// <summary>The normalisation constant.</summary>
    public double Cst => _cst;

    /// <summary>Whether the constant is close enough to 1 to be skipped.</summary>
    public bool IsIdentity => _isId;

    /// <summary>The wrapped activation.</summary>
    public nn.Module<Tensor, Tensor> F => _f;

    /// <summary>Applies the normalised activation.</summary>
    /// <param name="x">Any tensor.</param>
    public override Tensor forward(Tensor x)
    {
        if (_isId) return _f.forward(x);
        using var cst = _cst.ToScalar();
        return _f.forward(x).mul(cst);
    }

    /// <summary>
    /// e3nn's constant for a known TorchSharp activation (see the remarks), or <c>null</c> for any other module.
    /// </summary>
    /// <param name="f">The activation.</param>
    public static double? KnownConstant(nn.Module<Tensor, Tensor> f) => f switch
    {
        // Values from e3nn 0.5.6 (normalize2mom, torch.Generator().manual_seed(0), 1e6 float64 samples), gate.json.
        TorchSharp.Modules.Tanh => 1.5937334472592695,
        TorchSharp.Modules.Sigmoid => 1.8467055342154763,
        TorchSharp.Modules.SiLU => 1.6791767923989418,
        TorchSharp.Modules.ReLU => 1.4163393446331365,
        Abs => 1.001110600838467,
        TorchSharp.Modules.GELU g when g.approximate == TorchSharp.Modules.GELU.Approximate.none => 1.5360642850770576,
        TorchSharp.Modules.Softplus s when s.beta == 1.0 && s.threshold == 20.0 => 1.0426436590527184,
        _ => null,
    };

    /// <summary>
    /// Estimates <c>E[f(z)²]^(-1/2)</c> from <see cref="SampleCount"/> float64 standard normal samples drawn with a
    /// generator seeded with 0 (e3nn's procedure).
    /// </summary>
    /// <param name="f">The activation; it must accept float64 input.</param>
    public static double Estimate(nn.Module<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(0);
        var z = randn(new long[] { SampleCount }, ScalarType.Float64, generator: generator);
        using var two = 2.ToScalar();
        using var inverseSqrt = (-0.5).ToScalar();
        return f.forward(z).to(ScalarType.Float64).pow(two).mean().pow(inverseSqrt).item<double>();
    }

    IReadOnlyList<Tensor[]> E3Sharp.Jit.ITracingInputs.MakeTracingInputs(int n) =>
        new[] { new[] { zeros(new long[] { 1 }, get_default_dtype()) } };

    /// <inheritdoc />
    public override string ToString() => $"{nameof(Normalize2Mom)}({_f.GetName()}, cst={_cst:R})";
}
