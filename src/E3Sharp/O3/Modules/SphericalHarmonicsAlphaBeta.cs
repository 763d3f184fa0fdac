using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// e3nn's <c>o3.SphericalHarmonicsAlphaBeta</c>: spherical harmonics of the direction <c>R_y(alpha) R_x(beta) e_y</c>
/// from its angles, <c>Y^l(alpha, beta) = S^l(alpha) P^l(cos beta)</c> (the module form of
/// <see cref="SphericalHarmonicsAlphaBetaMath.Compute"/>, e3nn's <c>spherical_harmonics_alpha_beta</c>).
/// </summary>
/// <example>
/// <code>
/// var sh = new SphericalHarmonicsAlphaBeta(new[] { 0, 1, 2 });
/// var y = sh.call(alpha, beta);   // alpha, beta [...] -> [..., 9]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class SphericalHarmonicsAlphaBeta : nn.Module<Tensor, Tensor, Tensor>, ITracingInputs, IInputContract
{
    private readonly int[] _ls;
    private readonly string _normalization;

    /// <summary>Creates the module for the degrees <paramref name="ls"/> (blocks in this order).</summary>
    /// <param name="ls">Degrees (non-negative; repeats allowed).</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    public SphericalHarmonicsAlphaBeta(IEnumerable<int> ls, string normalization = "integral")
        : base(nameof(SphericalHarmonicsAlphaBeta))
    {
        ArgumentNullException.ThrowIfNull(ls);
        _ls = ls.ToArray();
        if (_ls.Length == 0 || _ls.Any(l => l < 0))
        {
            throw new ArgumentException(
                $"SphericalHarmonicsAlphaBeta: needs at least one degree, all non-negative; got [{string.Join(", ", _ls)}].",
                nameof(ls));
        }

        if (normalization is not ("integral" or "component" or "norm"))
        {
            throw new ArgumentException(
                $"SphericalHarmonicsAlphaBeta: normalization must be \"integral\", \"component\" or \"norm\", got \"{normalization}\".",
                nameof(normalization));
        }

        _normalization = normalization;
        RegisterComponents();
    }

    /// <summary>Creates the module for irreps (e3nn: each <c>l</c> repeated by its multiplicity; parities ignored).</summary>
    /// <param name="irreps">The irreps, such as <c>"1x0e + 2x1o"</c>.</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    public SphericalHarmonicsAlphaBeta(Irreps irreps, string normalization = "integral")
        : this((irreps ?? throw new ArgumentNullException(nameof(irreps))).SelectMany(mi => Enumerable.Repeat(mi.Ir.L, mi.Mul)),
            normalization)
    {
    }

    /// <summary>The degrees, in output order.</summary>
    public IReadOnlyList<int> Ls => _ls;

    /// <summary>The normalisation.</summary>
    public string Normalization => _normalization;

    /// <summary>Computes the harmonics.</summary>
    /// <param name="alpha">Angles alpha, any shape <c>[...]</c>.</param>
    /// <param name="beta">Angles beta, the shape of <paramref name="alpha"/>.</param>
    /// <returns><c>[..., sum(2l+1)]</c>.</returns>
    public override Tensor forward(Tensor alpha, Tensor beta)
    {
        InputContract.Check(this, alpha, beta);
        return SphericalHarmonicsAlphaBetaMath.Compute(_ls, alpha, beta, _normalization);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [InputSpec.AnyShape("alpha"), InputSpec.AnyShape("beta")]) { Floating = true };

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var list = new List<Tensor[]>();
        using var fullTurn = (2 * Math.PI).ToScalar();
        using var halfTurn = Math.PI.ToScalar();
        for (var i = 0; i < Math.Max(n, 1); i++)
        {
            var dt = get_default_dtype();
            list.Add(new[]
            {
                rand(new long[] { 3 + i, 2 }, dtype: dt).mul(fullTurn),
                rand(new long[] { 3 + i, 2 }, dtype: dt).mul(halfTurn),
            });
        }

        return list;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{nameof(SphericalHarmonicsAlphaBeta)}([{string.Join(", ", _ls)}], normalization={_normalization})";
}
