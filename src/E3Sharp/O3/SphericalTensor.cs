using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// A signal on the sphere as the coefficients <c>A^l</c> of <c>f(x) = Σ_{l ≤ lmax} A^l · Y^l(x)</c> (e3nn's
/// <c>io.SphericalTensor(lmax, p_val, p_arg)</c>): irreps <c>1x0 + 1x1 + ... + 1xlmax</c>, degree <c>l</c> with
/// parity <c>p_val · p_arg^l</c> (the signal transforms under parity as <c>(P f)(x) = p_val f(p_arg x)</c>).
/// </summary>
/// <remarks>
/// <para>e3nn's class is an <c>Irreps</c>; here <see cref="Irreps"/> holds them (and converts implicitly), as for
/// <see cref="CartesianTensor"/>. The functions equal e3nn 0.5.6's; they compute in the dtype of their tensor inputs
/// (e3nn builds its grids and rotations in torch's default dtype and so fails for other dtypes).</para>
/// <para>e3nn's <c>spherical_harmonics</c> refuses the parities of a <c>p_val = -1</c> tensor, so there its
/// <c>sum_of_diracs</c> and <c>signal_xyz</c> raise; here they evaluate the same sums (the spherical harmonics do not
/// depend on the parity). <c>plotly_surface</c> (plotly dictionaries of numpy arrays) is not offered: <see cref="Plot"/>
/// gives the same surfaces as tensors.</para>
/// </remarks>
/// <example>
/// <code>
/// var s = new SphericalTensor(4, 1, -1);                     // 1x0e+1x1o+1x2e+1x3o+1x4e
/// var x = s.WithPeaksAt(torch.tensor(new[,] { { 1.0, 0, 0 }, { 3, 4, 0 } }));
/// var values = s.SignalXyz(x, torch.tensor(new[,] { { 1.0, 0, 0 }, { 3, 4, 0 } }));   // [1, 5]
/// </code>
/// </example>
public sealed class SphericalTensor
{
    /// <summary>Creates the representation of a signal up to degree <paramref name="lmax"/>.</summary>
    /// <param name="lmax">Largest degree (at least 0).</param>
    /// <param name="pVal">Parity of the values, +1 or -1 (e3nn's <c>p_val</c>).</param>
    /// <param name="pArg">Parity of the argument, +1 or -1 (e3nn's <c>p_arg</c>).</param>
    public SphericalTensor(int lmax, int pVal, int pArg)
    {
        if (lmax < 0 || pVal is not (1 or -1) || pArg is not (1 or -1))
        {
            throw new ArgumentException($"SphericalTensor(lmax={lmax}, pVal={pVal}, pArg={pArg}): lmax must be at least 0 " +
                "and the parities +1 or -1.");
        }
        Lmax = lmax;
        PVal = pVal;
        PArg = pArg;
        Irreps = new Irreps(Enumerable.Range(0, lmax + 1)
            .Select(l => new MulIr(1, new Irrep(l, pVal * (l % 2 == 0 ? 1 : pArg)))));
    }

    /// <summary>Largest degree.</summary>
    public int Lmax { get; }

    /// <summary>Parity of the values (e3nn's <c>p_val</c>).</summary>
    public int PVal { get; }

    /// <summary>Parity of the argument (e3nn's <c>p_arg</c>).</summary>
    public int PArg { get; }

    /// <summary>The irreps <c>1x0 + ... + 1xlmax</c>.</summary>
    public Irreps Irreps { get; }

    /// <summary>The number of coefficients, <c>(lmax + 1)^2</c>.</summary>
    public int Dim => Irreps.Dim;

    private int[] Ls => Enumerable.Range(0, Lmax + 1).ToArray();

    private string Where(string method) => $"SphericalTensor({Irreps}).{method}";

    /// <summary>The irreps (e3nn's <c>SphericalTensor</c> is an <c>Irreps</c>).</summary>
    /// <param name="tensor">The spherical tensor representation.</param>
    public static implicit operator Irreps(SphericalTensor tensor) => tensor?.Irreps ?? throw new ArgumentNullException(nameof(tensor));

    /// <inheritdoc />
    public override string ToString() => Irreps.ToString();

    /// <summary>
    /// A signal with peaks at <paramref name="vectors"/> (e3nn's <c>with_peaks_at</c>): the combination of
    /// <c>Y(v_i)</c> whose value at each <c>v_i / |v_i|</c> is <c>values_i</c>, by default <c>|v_i|</c> (least squares).
    /// </summary>
    /// <param name="vectors">Shape <c>[N, 3]</c>; zero vectors (or zero values) are left out.</param>
    /// <param name="values">The values at the peaks <c>[N]</c>, or null for the vectors' norms.</param>
    /// <returns>Shape <c>[Dim]</c>, the vectors' dtype (an empty input: zeros of the default dtype, as e3nn).</returns>
    /// <exception cref="InvalidOperationException"><see cref="PVal"/> is -1, or the peaks cannot be met at this
    /// <see cref="Lmax"/>.</exception>
    public Tensor WithPeaksAt(Tensor vectors, Tensor? values = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        using var scope = NewDisposeScope();
        if (values is not null)
        {
            CheckBroadcast(Where("WithPeaksAt"), vectors.shape, [.. values.shape, 1]);
            var b = broadcast_tensors(vectors, values.unsqueeze(-1));
            (vectors, values) = (b[0], b[1].select(-1, 0));
        }
        if (vectors.numel() == 0) return zeros([.. vectors.shape.SkipLast(2), Dim]).MoveToOuterDisposeScope();
        if (PVal != 1)
        {
            throw new InvalidOperationException($"{Where("WithPeaksAt")}: the values are set by the radii, which are " +
                "even, so pVal must be 1 (as e3nn).");
        }
        if (vectors.dim() != 2 || vectors.shape[1] != 3 || !vectors.is_floating_point())
        {
            throw new ArgumentException($"{Where("WithPeaksAt")}: vectors must be a floating tensor [N, 3], got " +
                $"{vectors.dtype} [{string.Join(", ", vectors.shape)}].", nameof(vectors));
        }
        values ??= vectors.norm(1, false, 2);
        using var zero = 0.ToScalar();
        var keep = values.ne(zero).nonzero().squeeze(-1);
        vectors = vectors.index_select(0, keep);
        values = values.index_select(0, keep).to(vectors.dtype);
        if (vectors.shape[0] == 0) return zeros(Dim, dtype: vectors.dtype).MoveToOuterDisposeScope();

        var coeff = SphericalHarmonics.Compute(Ls, vectors, normalize: true);      // [N, Dim]
        var a = coeff.mm(coeff.t());                                                // Y(v_a) . Y(v_b)
        var solution = linalg.lstsq(a, values.unsqueeze(-1)).Solution.reshape(-1);
        var residual = values.sub(a.mv(solution)).abs().max().ReadDouble();
        var scale = values.abs().max().ReadDouble();
        if (!(residual < 1e-5 * scale))
        {
            throw new InvalidOperationException($"{Where("WithPeaksAt")}: {vectors.shape[0]} peaks cannot be met at " +
                $"lmax={Lmax} (least-squares residual {residual:G3} for values up to {scale:G3}).");
        }
        return solution.unsqueeze(0).mm(coeff).squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The sum of approximate Dirac deltas <c>f = Σ_i v_i δ^L(r_i)</c> (e3nn's <c>sum_of_diracs</c>):
    /// <c>4π / (lmax + 1)² Σ_i v_i Y(r_i / |r_i|)</c>.
    /// </summary>
    /// <param name="positions">Shape <c>[..., N, 3]</c>.</param>
    /// <param name="values">Shape <c>[..., N]</c> (broadcast with the positions).</param>
    /// <returns>Shape <c>[..., Dim]</c> (empty inputs: zeros of the default dtype, as e3nn).</returns>
    public Tensor SumOfDiracs(Tensor positions, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(values);
        using var scope = NewDisposeScope();
        (positions, values) = BroadcastSamples(Where("SumOfDiracs"), positions, values);
        if (positions.numel() == 0) return zeros([.. values.shape.SkipLast(1), Dim]).MoveToOuterDisposeScope();
        var y = SphericalHarmonics.Compute(Ls, positions, normalize: true);        // [..., N, Dim]
        using var scale = (4 * Math.PI / ((Lmax + 1) * (Lmax + 1))).ToScalar();
        return y.mul(values.unsqueeze(-1)).sum(-2).mul(scale).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The signal through samples on the sphere (e3nn's <c>from_samples_on_s2</c>): each point of a
    /// <c>res x res'</c> grid takes the value of the nearest sample direction, then the grid is projected on the
    /// spherical harmonics (<see cref="FromS2Grid"/>, <c>"integral"</c>).
    /// </summary>
    /// <param name="positions">Sample directions <c>[..., N, 3]</c> (normalised; a zero vector stays zero).</param>
    /// <param name="values">Sample values <c>[..., N]</c>.</param>
    /// <param name="res">Grid resolution in beta (e3nn's <c>res</c>).</param>
    /// <returns>Shape <c>[..., Dim]</c>, the values' dtype.</returns>
    public Tensor FromSamplesOnS2(Tensor positions, Tensor values, int res = 100)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(values);
        using var scope = NewDisposeScope();
        (positions, values) = BroadcastSamples(Where("FromSamplesOnS2"), positions, values);
        if (positions.numel() == 0) return zeros([.. values.shape.SkipLast(1), Dim]).MoveToOuterDisposeScope();
        if (!values.is_floating_point())
        {
            throw new ArgumentException($"{Where("FromSamplesOnS2")}: values must be floating, got {values.dtype}.",
                nameof(values));
        }
        positions = nn.functional.normalize(positions.to(values.dtype), p: 2.0, dim: -1);
        var size = positions.shape[..^2];
        var n = positions.shape[^2];
        positions = positions.reshape(-1, n, 3);
        values = values.reshape(-1, n);

        using var s2 = new FromS2Grid(resBeta: res, lmax: Lmax, normalization: "integral", dtype: values.dtype);
        var grid = s2.Grid.reshape(1, -1, 3);
        var cd = cdist(grid, positions);                                          // [batch, b*a, N]
        var j = cd.argmin(2);                                                     // [batch, b*a]
        var val = values.gather(1, j).reshape([.. size, s2.ResBeta, s2.ResAlpha]);
        return s2.forward(val).MoveToOuterDisposeScope();
    }

    /// <summary>The norm of each degree's coefficients (e3nn's <c>norms</c>).</summary>
    /// <param name="signal">Shape <c>[..., Dim]</c>.</param>
    /// <returns>Shape <c>[..., lmax + 1]</c>.</returns>
    public Tensor Norms(Tensor signal)
    {
        CheckSignal("Norms", signal);
        using var scope = NewDisposeScope();
        var norms = Ls.Select(l => signal.narrow(-1, l * l, 2 * l + 1).norm(-1, false, 2)).ToArray();
        return stack(norms, -1).MoveToOuterDisposeScope();
    }

    /// <summary>The signal at the directions <paramref name="r"/> (e3nn's <c>signal_xyz</c>): <c>f(r / |r|)</c>.</summary>
    /// <param name="signal">Shape <c>[*A, Dim]</c>.</param>
    /// <param name="r">Shape <c>[*B, 3]</c>, the signal's dtype.</param>
    /// <returns>Shape <c>[*A, *B]</c>.</returns>
    public Tensor SignalXyz(Tensor signal, Tensor r)
    {
        CheckSignal("SignalXyz", signal);
        ArgumentNullException.ThrowIfNull(r);
        if (r.dim() < 1 || r.shape[^1] != 3 || r.dtype != signal.dtype)
        {
            throw new ArgumentException($"{Where("SignalXyz")}: r must be [..., 3] of the signal's dtype {signal.dtype}, " +
                $"got {r.dtype} [{string.Join(", ", r.shape)}].", nameof(r));
        }
        using var scope = NewDisposeScope();
        var sh = SphericalHarmonics.Compute(Ls, r, normalize: true).reshape(-1, Dim);
        var output = signal.reshape(-1, Dim).mm(sh.t());                            // [a, b]
        return output.reshape([.. signal.shape[..^1], .. r.shape[..^1]]).MoveToOuterDisposeScope();
    }

    /// <summary>The signal on e3nn's grid (<c>signal_on_grid</c>, <see cref="ToS2Grid"/> with <c>lmax</c> and
    /// <c>res</c>): the grid's points <c>[res, res', 3]</c> and the values <c>[..., res, res']</c>.</summary>
    /// <param name="signal">Shape <c>[..., Dim]</c>, floating.</param>
    /// <param name="res">Resolution in beta (e3nn's <c>res</c>, even).</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    public (Tensor Grid, Tensor Values) SignalOnGrid(Tensor signal, int res = 100, string normalization = "integral")
    {
        CheckSignal("SignalOnGrid", signal);
        using var scope = NewDisposeScope();
        using var s2 = new ToS2Grid(Lmax, resBeta: res, normalization: normalization, dtype: signal.dtype);
        var grid = s2.Grid.detach().clone();
        var values = s2.forward(signal);
        return (grid.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// A closed surface for plotting (e3nn's <c>plot</c>): the grid of <see cref="SignalOnGrid"/> with the poles set
    /// to <c>±y</c> (their values averaged) and the first alpha repeated at the end, the points scaled by
    /// <c>|f|</c> when <paramref name="radius"/> and moved to <paramref name="center"/>.
    /// </summary>
    /// <param name="signal">Shape <c>[Dim]</c>.</param>
    /// <param name="center">Shape <c>[3]</c>, or null.</param>
    /// <param name="res">Resolution in beta.</param>
    /// <param name="radius">Whether the points' distance to the centre is <c>|f|</c>.</param>
    /// <param name="relu">Whether negative values are set to 0.</param>
    /// <param name="normalization">As <see cref="SignalOnGrid"/>.</param>
    /// <returns>The points <c>[res, res' + 1, 3]</c> and the values <c>[res, res' + 1]</c>.</returns>
    public (Tensor Points, Tensor Values) Plot(Tensor signal, Tensor? center = null, int res = 100, bool radius = true,
        bool relu = false, string normalization = "integral")
    {
        CheckSignal("Plot", signal);
        if (signal.dim() != 1)
        {
            throw new ArgumentException($"{Where("Plot")}: signal must be one signal [{Dim}], got " +
                $"[{string.Join(", ", signal.shape)}].", nameof(signal));
        }
        using var scope = NewDisposeScope();
        var (r, f) = SignalOnGrid(signal, res, normalization);
        if (relu) f = f.relu();
        var nb = r.shape[0];
        var poles = tensor(new[] { 0.0, 1.0, 0.0, 0.0, -1.0, 0.0 }, [2, 1, 3], r.dtype);
        var pole = poles.narrow(0, 0, 1).expand(1, r.shape[1], 3);
        var southPole = poles.narrow(0, 1, 1).expand(1, r.shape[1], 3);
        r = cat([pole, r.narrow(0, 1, nb - 2), southPole], 0);
        f = cat([f.narrow(0, 0, 1).mean().expand(1, f.shape[1]), f.narrow(0, 1, nb - 2),
            f.narrow(0, nb - 1, 1).mean().expand(1, f.shape[1])], 0);
        r = cat([r, r.narrow(1, 0, 1)], 1);
        f = cat([f, f.narrow(1, 0, 1)], 1);
        if (radius) r = r.mul(f.abs().unsqueeze(-1));
        if (center is not null) r = r.add(center.to(r.dtype));
        return (r.MoveToOuterDisposeScope(), f.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The signal's local maxima on the sphere (e3nn's <c>find_peaks</c>): the grid points that are peaks along both
    /// grid directions (scipy's <c>find_peaks</c> rule), on the grid and on a grid rotated by <c>(π/2, π/2, π/2)</c>
    /// (to see the poles), merged.
    /// </summary>
    /// <param name="signal">Shape <c>[Dim]</c>.</param>
    /// <param name="res">Resolution in beta.</param>
    /// <returns>The peaks' directions <c>[P, 3]</c> and values <c>[P]</c>. e3nn orders the peaks as a Python set
    /// iterates; here the first grid's peaks by (beta, alpha), then the rotated grid's.</returns>
    public (Tensor Positions, Tensor Values) FindPeaks(Tensor signal, int res = 100)
    {
        CheckSignal("FindPeaks", signal);
        if (signal.dim() != 1)
        {
            throw new ArgumentException($"{Where("FindPeaks")}: signal must be one signal [{Dim}], got " +
                $"[{string.Join(", ", signal.shape)}].", nameof(signal));
        }
        using var scope = NewDisposeScope();
        var (x1, f1) = SignalOnGrid(signal, res);
        var half = tensor(Math.PI / 2, signal.dtype);
        var rot = Rotations.AnglesToMatrix(half, half, half);
        var d = Irreps.DFromMatrix(rot);
        var (rx2, f2) = SignalOnGrid(d.mv(signal), res);
        var x2 = einsum("ij,baj->bai", rot.t(), rx2);

        var (x1p, f1p) = GridPeaks(x1, f1);
        var (x2p, f2p) = GridPeaks(x2, f2);
        Tensor x, f;
        if (x1p.shape[0] == 0 || x2p.shape[0] == 0)
        {
            (x, f) = (cat([x1p, x2p], 0), cat([f1p, f2p], 0));
        }
        else
        {
            using var gridSpacing = (2 * Math.PI / res).ToScalar();
            using var zero = 0.ToScalar();
            var far = cdist(x1p, x2p).lt(gridSpacing).sum(1).eq(zero).nonzero().squeeze(-1);
            (x, f) = (cat([x1p.index_select(0, far), x2p], 0), cat([f1p.index_select(0, far), f2p], 0));
        }
        return (x.MoveToOuterDisposeScope(), f.MoveToOuterDisposeScope());
    }

    // The points that are scipy.signal.find_peaks peaks of their row and of their column (e3nn's _find_peaks_2d).
    private static (Tensor Points, Tensor Values) GridPeaks(Tensor points, Tensor values)
    {
        var nb = (int)values.shape[0];
        var na = (int)values.shape[1];
        var v = values.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var rows = new HashSet<(int, int)>();
        for (var i = 0; i < nb; i++)
        {
            foreach (var j in Peaks1d(k => v[i * na + k], na)) rows.Add((i, j));
        }
        var both = new List<long>();
        for (var j = 0; j < na; j++)
        {
            foreach (var i in Peaks1d(k => v[k * na + j], nb))
            {
                if (rows.Contains((i, j))) both.Add((long)i * na + j);
            }
        }
        both.Sort();
        var index = tensor(both.ToArray(), ScalarType.Int64);
        return (points.reshape(-1, 3).index_select(0, index), values.reshape(-1).index_select(0, index));
    }

    // scipy.signal.find_peaks without conditions: strict local maxima, the middle (rounded down) of a flat top; the
    // ends are never peaks.
    private static IEnumerable<int> Peaks1d(Func<int, double> x, int n)
    {
        var i = 1;
        while (i < n - 1)
        {
            if (x(i - 1) < x(i))
            {
                var ahead = i + 1;
                while (ahead < n - 1 && x(ahead) == x(i)) ahead++;
                if (x(ahead) < x(i))
                {
                    yield return (i + ahead - 1) / 2;
                    i = ahead;
                }
            }
            i++;
        }
    }

    private void CheckSignal(string method, Tensor signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (signal.dim() < 1 || signal.shape[^1] != Dim || !signal.is_floating_point())
        {
            throw new ArgumentException($"{Where(method)}: signal must be a floating tensor [..., {Dim}], got " +
                $"{signal.dtype} [{string.Join(", ", signal.shape)}].", nameof(signal));
        }
    }

    // positions [..., N, 3] and values [..., N] broadcast together, as e3nn's broadcast_tensors(positions, values[..., None]).
    private (Tensor Positions, Tensor Values) BroadcastSamples(string where, Tensor positions, Tensor values)
    {
        if (positions.dim() < 2 || positions.shape[^1] != 3 || values.dim() < 1)
        {
            throw new ArgumentException($"{where}: positions must be [..., N, 3] and values [..., N], got " +
                $"[{string.Join(", ", positions.shape)}] and [{string.Join(", ", values.shape)}].", nameof(positions));
        }
        CheckBroadcast(where, positions.shape, [.. values.shape, 1]);
        var b = broadcast_tensors(positions, values.unsqueeze(-1));
        return (b[0], b[1].select(-1, 0));
    }

    private static void CheckBroadcast(string where, long[] a, long[] b)
    {
        for (var k = 1; k <= Math.Min(a.Length, b.Length); k++)
        {
            var (x, y) = (a[^k], b[^k]);
            if (x != y && x != 1 && y != 1)
            {
                throw new ArgumentException($"{where}: shapes [{string.Join(", ", a)}] and [{string.Join(", ", b[..^1])}] " +
                    "(positions and values) do not broadcast.");
            }
        }
    }
}
