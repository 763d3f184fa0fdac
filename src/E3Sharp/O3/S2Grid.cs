using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// The grid on the sphere of e3nn's <c>o3/_s2grid.py</c> and its helpers: points
/// <c>x_ij = (sin(beta_i) sin(alpha_j), cos(beta_i), sin(beta_i) cos(alpha_j))</c> with
/// <c>beta_i = pi (i + 0.5) / res_beta</c> and <c>alpha_j = 2 pi j / res_alpha</c>, the harmonics on it, the
/// quadrature weights and e3nn's real Fourier transforms. <see cref="Modules.ToS2Grid"/> and
/// <see cref="Modules.FromS2Grid"/> are built from these.
/// </summary>
/// <example>
/// <code>
/// var (betas, alphas) = S2Grid.Grid(10, 11);
/// var (lmax, resBeta, resAlpha) = S2Grid.CompleteLmaxRes(4, null, null);   // (4, 10, 9)
/// </code>
/// </example>
public static class S2Grid
{
    /// <summary>e3nn's <c>s2_grid(res_beta, res_alpha)</c>: the angles of the grid.</summary>
    /// <param name="resBeta">Number of beta values (<c>N</c>).</param>
    /// <param name="resAlpha">Number of alpha values (<c>M</c>).</param>
    /// <param name="dtype">Dtype (default: torch's default dtype).</param>
    /// <param name="device">Device (default: CPU).</param>
    /// <returns>Betas <c>[resBeta]</c> and alphas <c>[resAlpha]</c>.</returns>
    public static (Tensor Betas, Tensor Alphas) Grid(int resBeta, int resAlpha, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resBeta);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resAlpha);
        var dt = dtype ?? get_default_dtype();
        using var betaCount = resBeta.ToScalar();
        using var alphaCount = resAlpha.ToScalar();
        using var half = 0.5.ToScalar();
        using var zero = 0.ToScalar();
        using var one = 1.ToScalar();
        using var two = 2.ToScalar();
        using var pi = Math.PI.ToScalar();
        var betas = arange(zero, betaCount, one, dtype: dt, device: device).add(half).div(betaCount).mul(pi);
        var alphas = arange(zero, alphaCount, one, dtype: dt, device: device).div(alphaCount).mul(two).mul(pi);
        return (betas, alphas);
    }

    /// <summary>
    /// e3nn's <c>spherical_harmonics_s2_grid(lmax, res_beta, res_alpha)</c>: the grid and the two factors of the
    /// harmonics on it, <c>Y(beta_i, alpha_j)[l, m] = shb[i, (l, m)] sha[j, m]</c>.
    /// </summary>
    /// <param name="lmax">Largest degree.</param>
    /// <param name="resBeta">Number of beta values.</param>
    /// <param name="resAlpha">Number of alpha values.</param>
    /// <param name="dtype">Dtype (default: torch's default dtype).</param>
    /// <param name="device">Device (default: CPU).</param>
    /// <returns>Betas <c>[resBeta]</c>, alphas <c>[resAlpha]</c>, <c>shb [resBeta, (lmax+1)^2]</c> (Legendre) and
    /// <c>sha [resAlpha, 2 lmax + 1]</c>.</returns>
    public static (Tensor Betas, Tensor Alphas, Tensor Shb, Tensor Sha) SphericalHarmonicsS2Grid(
        int lmax, int resBeta, int resAlpha, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lmax);
        var (betas, alphas) = Grid(resBeta, resAlpha, dtype, device);
        var shb = SphericalHarmonicsAlphaBetaMath.Legendre(Enumerable.Range(0, lmax + 1).ToArray(), betas.cos(), betas.sin().abs());
        var sha = SphericalHarmonicsAlphaBetaMath.Alpha(lmax, alphas);
        return (betas, alphas, shb, sha);
    }

    /// <summary>
    /// e3nn's <c>_complete_lmax_res</c>: fills in the missing one(s) of <c>lmax</c>, <c>res_beta</c>, <c>res_alpha</c>
    /// (e3nn's rules: the smallest grid that goes to the sphere and back, an odd <c>res_alpha</c> when possible).
    /// </summary>
    /// <param name="lmax">Largest degree, or null.</param>
    /// <param name="resBeta">Number of beta values (even), or null.</param>
    /// <param name="resAlpha">Number of alpha values, or null.</param>
    /// <returns>The three values.</returns>
    /// <exception cref="ArgumentException">All are null, <c>res_beta</c> is odd, or <c>lmax + 1 &gt; res_beta / 2</c>.</exception>
    public static (int Lmax, int ResBeta, int ResAlpha) CompleteLmaxRes(int? lmax, int? resBeta, int? resAlpha)
    {
        if (resBeta is null)
        {
            if (lmax is not null) resBeta = 2 * (lmax + 1);
            else if (resAlpha is not null) resBeta = 2 * ((resAlpha + 1) / 2);
            else throw new ArgumentException("S2Grid: lmax, res_beta and res_alpha are all null.");
        }

        if (resAlpha is null)
        {
            resAlpha = lmax is not null ? Math.Max(2 * lmax.Value + 1, resBeta.Value - 1) : resBeta - 1;
        }

        lmax ??= Math.Min(resBeta.Value / 2 - 1, (resAlpha.Value - 1) / 2);
        if (resBeta.Value % 2 != 0)
        {
            throw new ArgumentException($"S2Grid: res_beta must be even, got {resBeta}.");
        }

        if (lmax.Value < 0 || lmax.Value + 1 > resBeta.Value / 2 || resAlpha.Value <= 0)
        {
            throw new ArgumentException(
                $"S2Grid: lmax = {lmax} needs res_beta >= 2 (lmax + 1) = {2 * (lmax + 1)}, got res_beta = {resBeta}, res_alpha = {resAlpha}.");
        }

        return (lmax.Value, resBeta.Value, resAlpha.Value);
    }

    /// <summary>
    /// e3nn's <c>_quadrature_weights(b)</c> (from lie_learn, Kostelec and Rockmore): weights of the <c>2b</c> betas of
    /// the grid, divided by <c>2 (2b)^2</c>. Computed in double precision.
    /// </summary>
    /// <param name="b">Half the number of betas.</param>
    /// <returns><c>2b</c> weights.</returns>
    public static double[] QuadratureWeights(int b)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(b);
        var w = new double[2 * b];
        for (var j = 0; j < 2 * b; j++)
        {
            var s = 0.0;
            for (var k = 0; k < b; k++)
            {
                s += 1.0 / (2 * k + 1) * Math.Sin((2 * j + 1) * (2 * k + 1) * Math.PI / (4.0 * b));
            }

            w[j] = 2.0 / b * Math.Sin(Math.PI * (2.0 * j + 1.0) / (4.0 * b)) * s / (2.0 * (2 * b) * (2 * b));
        }

        return w;
    }

    /// <summary>
    /// e3nn's <c>_expand_matrix(ls)</c>: the matrix <c>[len(ls), 2 lmax + 1, sum(2l+1)]</c> taking a flat
    /// <c>(l, m)</c> vector to the two-dimensional layout, <c>m</c> centred.
    /// </summary>
    /// <param name="ls">Degrees.</param>
    /// <param name="dtype">Dtype (default: torch's default dtype).</param>
    /// <param name="device">Device (default: CPU).</param>
    public static Tensor ExpandMatrix(IReadOnlyList<int> ls, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(ls);
        var lmax = ls.Max();
        var dim = ls.Sum(l => 2 * l + 1);
        var m = zeros(new long[] { ls.Count, 2 * lmax + 1, dim }, dtype ?? get_default_dtype(), device);
        var i = 0;
        for (var j = 0; j < ls.Count; j++)
        {
            var l = ls[j];
            for (var k = 0; k < 2 * l + 1; k++)
            {
                m[j, lmax - l + k, i + k] = 1.0;
            }

            i += 2 * l + 1;
        }

        return m;
    }

    /// <summary>
    /// e3nn's <c>rfft(x, l)</c>: the real Fourier transform of samples at <c>alpha_j = 2 pi j / res</c>, in the basis of
    /// <see cref="SphericalHarmonicsAlphaBetaMath.Alpha"/> (equal to <c>x @ sha</c>). Eager only (FFT); the grid modules
    /// use the matrix form, which traces.
    /// </summary>
    /// <param name="x">Samples <c>[..., res]</c>.</param>
    /// <param name="l">Largest frequency.</param>
    /// <returns><c>[..., 2l+1]</c>.</returns>
    public static Tensor Rfft(Tensor x, int l)
    {
        ArgumentNullException.ThrowIfNull(x);
        var shape = x.shape;
        var res = shape[^1];
        if (l < 0 || l + 1 > res / 2 + 1)
        {
            throw new ArgumentException($"S2Grid.Rfft: l = {l} needs at least {2 * l + 1} samples, got {res}.", nameof(l));
        }

        using var scope = NewDisposeScope();
        var f = torch.fft.rfft(x.reshape(-1, res), dim: 1);
        var head = f.narrow(1, 1, l);
        using var sqrt2 = Math.Sqrt(2).ToScalar();
        using var minusSqrt2 = (-Math.Sqrt(2)).ToScalar();
        var y = cat(new[]
        {
            head.imag.flip(1).mul(minusSqrt2),
            f.narrow(1, 0, 1).real,
            head.real.mul(sqrt2),
        }, 1);
        var outShape = shape.ToArray();
        outShape[^1] = 2 * l + 1;
        return y.reshape(outShape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// e3nn's <c>irfft(x, res)</c>: the inverse of <see cref="Rfft"/>, samples at <c>res</c> (odd) values of alpha
    /// (equal to <c>sha @ x</c>). Eager only.
    /// </summary>
    /// <param name="x">Coefficients <c>[..., 2l+1]</c>.</param>
    /// <param name="res">Number of samples (odd, at least <c>2l+1</c>).</param>
    /// <returns><c>[..., res]</c>.</returns>
    public static Tensor Irfft(Tensor x, int res)
    {
        ArgumentNullException.ThrowIfNull(x);
        var shape = x.shape;
        var sm = shape[^1];
        if (res % 2 != 1 || res < sm || sm % 2 != 1)
        {
            throw new ArgumentException($"S2Grid.Irfft: res must be odd and at least the input's last dimension {sm}, got {res}.",
                nameof(res));
        }

        using var scope = NewDisposeScope();
        var flat = x.reshape(-1, sm);
        var pad = (res - sm) / 2;
        var padded = cat(new[] { flat.new_zeros(flat.shape[0], pad), flat, flat.new_zeros(flat.shape[0], pad) }, -1);
        var l = res / 2;
        using var sqrt2 = Math.Sqrt(2).ToScalar();
        using var minusSqrt2 = (-Math.Sqrt(2)).ToScalar();
        using var sampleCount = res.ToScalar();
        var re = cat(new[] { padded.narrow(1, l, 1), padded.narrow(1, l + 1, l).div(sqrt2) }, 1);
        var im = cat(new[] { zeros_like(padded.narrow(1, 0, 1)), padded.narrow(1, 0, l).flip(-1).div(minusSqrt2) }, 1);
        var y = torch.fft.irfft(complex(re, im), n: res, dim: 1).mul(sampleCount);
        var outShape = shape.ToArray();
        outShape[^1] = res;
        return y.reshape(outShape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The constants of <see cref="Modules.ToS2Grid"/> / <see cref="Modules.FromS2Grid"/> in double precision:
    /// <c>shb[m, b, i] = n[l(i)] w[b] P[b, i]</c> where <c>i</c> is the flat index of <c>(l, m - lmax)</c> (zero
    /// elsewhere; e3nn's <c>einsum("lmj,bj,lmi,l,b->mbi")</c>), and <c>sha [resAlpha, 2 lmax + 1]</c>.
    /// </summary>
    internal static (double[] Shb, double[] Sha, double[] Betas, double[] Alphas) Constants(
        int lmax, int resBeta, int resAlpha, double[] n, double[]? weights)
    {
        using var scope = NewDisposeScope();
        var (betas, alphas, shbT, shaT) = SphericalHarmonicsS2Grid(lmax, resBeta, resAlpha, ScalarType.Float64);
        var legendre = shbT.data<double>().ToArray();               // [b, i]
        var dim = (lmax + 1) * (lmax + 1);
        var mDim = 2 * lmax + 1;
        var shb = new double[mDim * resBeta * dim];
        for (var l = 0; l <= lmax; l++)
        {
            for (var k = 0; k < 2 * l + 1; k++)
            {
                var i = l * l + k;
                var m = lmax - l + k;
                for (var b = 0; b < resBeta; b++)
                {
                    shb[(m * resBeta + b) * dim + i] = legendre[b * dim + i] * n[l] * (weights?[b] ?? 1.0);
                }
            }
        }

        return (shb, shaT.data<double>().ToArray(), betas.data<double>().ToArray(), alphas.data<double>().ToArray());
    }
}
