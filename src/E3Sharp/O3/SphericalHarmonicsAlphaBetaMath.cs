using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// Spherical harmonics as functions of the angles (e3nn's <c>o3/_angular_spherical_harmonics.py</c>):
/// <c>Y^l(alpha, beta) = S^l(alpha) P^l(cos beta)</c>, the harmonics of <c>R_y(alpha) R_x(beta) e_y</c>. The same
/// values as <c>SphericalHarmonicsMath.Compute</c> of <see cref="Rotations.AnglesToXyz"/>, computed from the
/// angles (the grids of <see cref="S2Grid"/> use them). Traceable: called from traced forwards, every operation is
/// recorded.
/// </summary>
/// <example>
/// <code>
/// var y = SphericalHarmonicsAlphaBetaMath.Compute(new[] { 0, 1, 2 }, alpha, beta);   // [..., 9]
/// var s = SphericalHarmonicsAlphaBetaMath.Alpha(2, alpha);                          // [..., 5]
/// </code>
/// </example>
[Traceable]
public static partial class SphericalHarmonicsAlphaBetaMath
{
    /// <summary>
    /// e3nn's <c>spherical_harmonics_alpha_beta(l, alpha, beta, normalization)</c>: the harmonics of the degrees
    /// <paramref name="ls"/> (blocks of <c>2l+1</c>, in this order) at the angles.
    /// </summary>
    /// <param name="ls">Degrees (repeats allowed).</param>
    /// <param name="alpha">Angles alpha, any shape <c>[...]</c>.</param>
    /// <param name="beta">Angles beta, the shape of <paramref name="alpha"/>.</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    /// <returns><c>[..., sum(2l+1)]</c>.</returns>
    public static Tensor Compute(IReadOnlyList<int> ls, Tensor alpha, Tensor beta, string normalization = "integral")
    {
        CheckDegrees(ls, nameof(Compute));
        CheckNormalization(normalization);
        var lmax = ls.Max();
        var sha = Alpha(lmax, alpha.flatten());                         // [z, 2 lmax + 1]
        var shy = Legendre(ls, beta.flatten().cos(), beta.flatten().sin()); // [z, sum(2l+1)]
        var parts = new List<Tensor>();
        var offset = 0;
        foreach (var l in ls)
        {
            var d = 2 * l + 1;
            var block = shy.narrow(-1, offset, d).mul(sha.narrow(-1, lmax - l, d));
            if (normalization == "norm")
            {
                using var degreeNorm = (Math.Sqrt(2 * l + 1) / Math.Sqrt(4 * Math.PI)).ToScalar();
                block = block.div(degreeNorm);
            }
            else if (normalization == "component")
            {
                using var sphereNorm = Math.Sqrt(4 * Math.PI).ToScalar();
                block = block.mul(sphereNorm);
            }

            parts.Add(block);
            offset += d;
        }

        var flat = parts.Count == 1 ? parts[0] : cat(parts, -1);
        // [z, dim] back to alpha's batch shape (a scalar angle gives [dim], as e3nn's reshape)
        return alpha.ndim == 0 ? flat.squeeze(0) : flat.unflatten(0, alpha.shape);
    }

    /// <summary>
    /// e3nn's <c>spherical_harmonics_alpha(l, alpha)</c>: <c>S^l(alpha) = [sqrt2 sin(l alpha), ..., sqrt2 sin(alpha), 1,
    /// sqrt2 cos(alpha), ..., sqrt2 cos(l alpha)]</c>.
    /// </summary>
    /// <param name="l">The degree (non-negative).</param>
    /// <param name="alpha">Angles, any shape <c>[...]</c>.</param>
    /// <returns><c>[..., 2l+1]</c>.</returns>
    public static Tensor Alpha(int l, Tensor alpha)
    {
        if (l < 0)
        {
            throw new ArgumentException($"SphericalHarmonicsAlphaBetaMath.Alpha: l must be non-negative, got {l}.", nameof(l));
        }

        var a = alpha.unsqueeze(-1);                                     // [..., 1]
        var one = ones_like(a);
        if (l == 0)
        {
            return one;
        }

        var up = new double[l];
        var down = new double[l];
        for (var i = 0; i < l; i++)
        {
            up[i] = i + 1;
            down[i] = l - i;
        }

        var cosines = a.mul(tensor(up).type_as(a)).cos();                // cos(m alpha), m = 1..l
        var sines = a.mul(tensor(down).type_as(a)).sin();                // sin(m alpha), m = l..1
        using var sqrt2 = Math.Sqrt(2).ToScalar();
        return cat(new[] { sines.mul(sqrt2), one, cosines.mul(sqrt2) }, -1);
    }

    /// <summary>
    /// e3nn's <c>Legendre(ls)(z, y)</c>: the normalised associated Legendre functions <c>P(l, |m|)</c> for
    /// <c>m = -l..l</c> of each degree, as polynomials in <paramref name="z"/> (<c>cos beta</c>) and
    /// <paramref name="y"/> (<c>sin beta</c>, non-negative).
    /// </summary>
    /// <param name="ls">Degrees (repeats allowed).</param>
    /// <param name="z">Cosines, any shape <c>[...]</c>.</param>
    /// <param name="y">Sines, the shape of <paramref name="z"/>.</param>
    /// <returns><c>[..., sum(2l+1)]</c>.</returns>
    public static Tensor Legendre(IReadOnlyList<int> ls, Tensor z, Tensor y)
    {
        CheckDegrees(ls, nameof(Legendre));
        var columns = new List<Tensor>();
        foreach (var l in ls)
        {
            var byM = new Tensor[l + 1];
            for (var m = 0; m <= l; m++)
            {
                // e3nn sums c * z^k * y^m term by term (sympy's dict order); the same form gives the same rounding.
                Tensor? sum = null;
                using var yPower = m.ToScalar();
                foreach (var (power, c) in LegendreCoefficients.Terms(l, m))
                {
                    using var zPower = power.ToScalar();
                    using var coefficient = c.ToScalar();
                    var term = z.pow(zPower).mul(coefficient);
                    if (m > 0) term = term.mul(y.pow(yPower));
                    sum = sum is null ? term : sum.add(term);
                }

                byM[m] = sum!.unsqueeze(-1);
            }

            for (var m = -l; m <= l; m++)
            {
                columns.Add(byM[Math.Abs(m)]);
            }
        }

        return cat(columns, -1);
    }

    private static void CheckDegrees(IReadOnlyList<int> ls, string where)
    {
        ArgumentNullException.ThrowIfNull(ls);
        if (ls.Count == 0 || ls.Any(l => l < 0))
        {
            throw new ArgumentException(
                $"SphericalHarmonicsAlphaBetaMath.{where}: needs at least one degree, all non-negative; got [{string.Join(", ", ls)}].",
                nameof(ls));
        }
    }

    private static void CheckNormalization(string normalization)
    {
        if (normalization is not ("integral" or "component" or "norm"))
        {
            throw new ArgumentException(
                $"SphericalHarmonicsAlphaBeta: normalization must be \"integral\", \"component\" or \"norm\", got \"{normalization}\".",
                nameof(normalization));
        }
    }
}
