using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// e3nn's <c>o3.Legendre(ls)</c>: the normalised associated Legendre functions of the degrees <c>ls</c> (for each,
/// the columns <c>m = -l..l</c> hold <c>P(l, |m|)</c>) as polynomials of <c>z = cos(beta)</c> and
/// <c>y = sin(beta)</c>; <see cref="SphericalHarmonicsAlphaBetaMath.Legendre"/> as a module.
/// </summary>
/// <example>
/// <code>
/// var legendre = new Legendre(new[] { 0, 1, 2 });
/// var p = legendre.call(beta.cos(), beta.sin());   // [..., 9]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class Legendre : nn.Module<Tensor, Tensor, Tensor>, ITracingInputs, IInputContract
{
    private readonly int[] _ls;

    /// <summary>Creates the module.</summary>
    /// <param name="ls">Degrees (non-negative; repeats allowed).</param>
    public Legendre(IEnumerable<int> ls) : base(nameof(Legendre))
    {
        ArgumentNullException.ThrowIfNull(ls);
        _ls = ls.ToArray();
        if (_ls.Length == 0 || _ls.Any(l => l < 0))
        {
            throw new ArgumentException(
                $"Legendre: needs at least one degree, all non-negative; got [{string.Join(", ", _ls)}].", nameof(ls));
        }

        RegisterComponents();
    }

    /// <summary>The degrees, in output order.</summary>
    public IReadOnlyList<int> Ls => _ls;

    /// <summary>Evaluates the polynomials.</summary>
    /// <param name="z">Cosines of beta, any shape <c>[...]</c>.</param>
    /// <param name="y">Sines of beta (non-negative), the shape of <paramref name="z"/>.</param>
    /// <returns><c>[..., sum(2l+1)]</c>.</returns>
    public override Tensor forward(Tensor z, Tensor y)
    {
        InputContract.Check(this, z, y);
        return SphericalHarmonicsAlphaBetaMath.Legendre(_ls, z, y);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [InputSpec.AnyShape("z"), InputSpec.AnyShape("y")]) { Floating = true };

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var list = new List<Tensor[]>();
        using var pi = Math.PI.ToScalar();
        for (var i = 0; i < Math.Max(n, 1); i++)
        {
            var beta = rand(new long[] { 4 + i }, dtype: get_default_dtype()).mul(pi);
            list.Add(new[] { beta.cos(), beta.sin() });
        }

        return list;
    }

    /// <inheritdoc />
    public override string ToString() => $"{nameof(Legendre)}([{string.Join(", ", _ls)}])";
}
