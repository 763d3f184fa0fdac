using System.Collections.Concurrent;
using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// Real spherical harmonics as polynomials of <c>(x, y, z)</c>, equal to e3nn 0.5.6 <c>o3.spherical_harmonics</c>.
/// </summary>
/// <remarks>
/// <para>With component normalisation <c>Y^0 = 1</c>, <c>Y^1 = sqrt(3) (x, y, z)</c> and
/// <c>Y^{l+1}_i = c_l sum_jk C_ijk Y^l_j x_k</c>, where <c>C = Wigner.Wigner3j(l+1, l, 1)</c> and <c>c_l &gt; 0</c> makes
/// <c>|Y^l(x)|^2 = 2l+1</c> on the unit sphere. This is the recursion from which e3nn's hard-coded polynomials were
/// generated, so the values agree with e3nn to rounding (any <c>l</c> is supported; e3nn stops at 11). The
/// polynomials are homogeneous of degree <c>l</c>, equivariant (<c>Y(R x) = D(R) Y(x)</c> with
/// <see cref="Wigner.WignerD"/>) and harmonic.</para>
/// <para>The computation uses only plain tensor operations (<c>mul</c>, <c>matmul</c> with constant coefficient
/// matrices, <c>cat</c>, <c>div</c>) with no data-dependent control flow, so it can be traced.</para>
/// </remarks>
[Traceable]
public static partial class SphericalHarmonicsMath
{
    private static readonly ConcurrentDictionary<int, double[]> RecursionCache = new();

    /// <summary>
    /// Spherical harmonics of the degrees <paramref name="ls"/> at points <paramref name="x"/> of shape
    /// <c>[..., 3]</c>, as e3nn <c>o3.spherical_harmonics(ls, x, normalize, normalization)</c>.
    /// </summary>
    /// <param name="ls">Degrees; the output concatenates the blocks of length <c>2l+1</c> in this order (repeats
    /// allowed).</param>
    /// <param name="x">Points, shape <c>[..., 3]</c> (floating dtype).</param>
    /// <param name="normalize">Whether to normalise <paramref name="x"/> onto the unit sphere first (a zero vector
    /// stays zero instead of becoming NaN).</param>
    /// <param name="normalization"><c>"component"</c> (<c>|Y^l|^2 = 2l+1</c> on the sphere), <c>"norm"</c>
    /// (<c>|Y^l| = 1</c>: component divided by <c>sqrt(2l+1)</c>) or <c>"integral"</c> (unit L2 norm of each
    /// component over the sphere: component divided by <c>sqrt(4 pi)</c>).</param>
    /// <returns>Tensor of shape <c>[..., sum(2l+1)]</c> with the dtype of <paramref name="x"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="ls"/> is empty or holds a negative degree,
    /// <paramref name="x"/> does not end in a dimension of size 3, or <paramref name="normalization"/> is not one of
    /// the three names.</exception>
    public static Tensor Compute(IReadOnlyList<int> ls, Tensor x, bool normalize, string normalization = "integral")
    {
        ArgumentNullException.ThrowIfNull(ls);
        ArgumentNullException.ThrowIfNull(x);
        if (normalization is not ("integral" or "component" or "norm"))
        {
            throw new ArgumentException(
                $"Spherical harmonics normalization must be 'integral', 'component' or 'norm'; got '{normalization}'.",
                nameof(normalization));
        }

        if (ls.Count == 0)
        {
            throw new ArgumentException("Spherical harmonics need at least one degree l; got an empty list.", nameof(ls));
        }

        var lmax = 0;
        foreach (var l in ls)
        {
            if (l < 0)
            {
                throw new ArgumentException(
                    $"Spherical harmonics degrees must be non-negative; got l = {l} in [{string.Join(", ", ls)}].", nameof(ls));
            }

            lmax = Math.Max(lmax, l);
        }

        if (x.dim() < 1 || x.shape[^1] != 3)
        {
            throw new ArgumentException(
                $"Spherical harmonics expect points of shape [..., 3]; got shape [{string.Join(", ", x.shape)}].", nameof(x));
        }

        using var scope = NewDisposeScope();
        if (normalize)
        {
            x = nn.functional.normalize(x, p: 2.0, dim: -1);
        }

        var blocks = Blocks(lmax, x);
        var parts = new List<Tensor>(ls.Count);
        foreach (var l in ls)
        {
            var block = blocks[l];
            if (normalization == "integral")
            {
                using var sphereNorm = Math.Sqrt(4 * Math.PI).ToScalar();
                block = block.div(sphereNorm);
            }
            else if (normalization == "norm")
            {
                using var degreeNorm = Math.Sqrt(2 * l + 1).ToScalar();
                block = block.div(degreeNorm);
            }

            parts.Add(block);
        }

        var result = parts.Count == 1 ? parts[0] : cat(parts, -1);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Spherical harmonics of the single degree <paramref name="l"/> at points <paramref name="x"/>, shape
    /// <c>[..., 2l+1]</c>: see <see cref="Compute(IReadOnlyList{int}, Tensor, bool, string)"/>.
    /// </summary>
    /// <param name="l">Degree.</param>
    /// <param name="x">Points, shape <c>[..., 3]</c>.</param>
    /// <param name="normalize">Whether to normalise <paramref name="x"/> first.</param>
    /// <param name="normalization"><c>"component"</c>, <c>"norm"</c> or <c>"integral"</c>.</param>
    public static Tensor Compute(int l, Tensor x, bool normalize, string normalization = "integral")
        => Compute(new[] { l }, x, normalize, normalization);

    // Component-normalised blocks Y^0 .. Y^lmax, each of shape [..., 2l+1].
    private static Tensor[] Blocks(int lmax, Tensor x)
    {
        var blocks = new Tensor[lmax + 1];
        blocks[0] = ones_like(x.narrow(-1, 0, 1));
        if (lmax == 0)
        {
            return blocks;
        }

        using var sqrt3 = Math.Sqrt(3.0).ToScalar();
        blocks[1] = x.mul(sqrt3);
        var xk = x.unsqueeze(-2);
        for (var l = 1; l < lmax; l++)
        {
            // [..., 2l+1, 1] * [..., 1, 3] -> [..., (2l+1)*3] @ [(2l+1)*3, 2l+3]
            var outer = blocks[l].unsqueeze(-1).mul(xk).flatten(-2, -1);
            // Built in float64 and converted to x's dtype and device where it is used: a compiled module then
            // follows its input (and .to(float64) gains the exact coefficients) instead of the example's dtype.
            var m = tensor(RecursionCache.GetOrAdd(l, RecursionMatrix), new long[] { (2 * l + 1) * 3, 2 * l + 3 }, ScalarType.Float64)
                .to(x);
            blocks[l + 1] = outer.checked_matmul(m);
        }

        return blocks;
    }

    /// <summary>
    /// Row-major [(2l+1)*3, 2l+3] matrix M with Y^{l+1}_i = sum_{j,k} M[j*3+k, i] Y^l_j x_k, i.e.
    /// M[j*3+k, i] = c_l C(l+1, l, 1)[i, j, k].
    /// </summary>
    private static double[] RecursionMatrix(int l)
    {
        int nOut = 2 * l + 3, nIn = 2 * l + 1;
        var c = Wigner.Wigner3jValues(l + 1, l, 1);
        var m = new double[nIn * 3 * nOut];
        for (var i = 0; i < nOut; i++)
        {
            for (var j = 0; j < nIn; j++)
            {
                for (var k = 0; k < 3; k++)
                {
                    var v = c[(i * nIn + j) * 3 + k];
                    // The real-basis change leaves rounding noise where the coefficient is exactly zero.
                    m[(j * 3 + k) * nOut + i] = Math.Abs(v) < 1e-12 ? 0.0 : v;
                }
            }
        }

        // c_l from the norm at a generic unit point (it is rotation invariant, hence constant on the sphere).
        var p = new[] { 0.36, -0.48, 0.8 };
        var y = Evaluate(l, p);
        var norm2 = 0.0;
        for (var i = 0; i < nOut; i++)
        {
            var s = 0.0;
            for (var j = 0; j < nIn; j++)
            {
                for (var k = 0; k < 3; k++)
                {
                    s += m[(j * 3 + k) * nOut + i] * y[j] * p[k];
                }
            }

            norm2 += s * s;
        }

        var scale = Math.Sqrt((2 * l + 3) / norm2);
        for (var idx = 0; idx < m.Length; idx++)
        {
            m[idx] *= scale;
        }

        return m;
    }

    // Component-normalised Y^l at one point, in plain doubles (used to fix the recursion constants).
    private static double[] Evaluate(int l, double[] p)
    {
        if (l == 0)
        {
            return new[] { 1.0 };
        }

        var y = new[] { Math.Sqrt(3.0) * p[0], Math.Sqrt(3.0) * p[1], Math.Sqrt(3.0) * p[2] };
        for (var d = 1; d < l; d++)
        {
            var m = RecursionCache.GetOrAdd(d, RecursionMatrix);
            int nOut = 2 * d + 3, nIn = 2 * d + 1;
            var next = new double[nOut];
            for (var i = 0; i < nOut; i++)
            {
                for (var j = 0; j < nIn; j++)
                {
                    for (var k = 0; k < 3; k++)
                    {
                        next[i] += m[(j * 3 + k) * nOut + i] * y[j] * p[k];
                    }
                }
            }

            y = next;
        }

        return y;
    }
}
