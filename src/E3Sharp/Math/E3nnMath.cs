using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp;

/// <summary>
/// e3nn's <c>e3nn.math</c> functions: <see cref="SoftOneHotLinspace"/> (<c>soft_one_hot_linspace</c>),
/// <see cref="SoftUnitStep"/> (<c>soft_unit_step</c>) and <see cref="Normalize2Mom"/> (<c>normalize2mom</c>),
/// equal to e3nn 0.5.6.
/// </summary>
/// <remarks>
/// The functions use only plain tensor operations with no data-dependent control flow, so a traced module's
/// <c>forward</c> may call them (the class is <see cref="TraceableAttribute">[Traceable]</see>). A scripted module uses
/// the module forms <see cref="Nn.SoftOneHotLinspace"/> and <see cref="Nn.SoftUnitStep"/> as children instead (a
/// scripted forward calls only methods of its own class). Constants (the grid, the Bessel roots) are built in float64
/// and converted to the input's dtype where they are used, so a compiled module follows its input's dtype.
/// </remarks>
/// <example>
/// A radial embedding of edge lengths, as in e3nn's examples:
/// <code>
/// var lengths = edgeVectors.norm(-1);                                      // [edges]
/// var emb = E3nnMath.SoftOneHotLinspace(lengths, 0.0, 5.0, 10, "bessel", cutoff: true)
///     .mul(Math.Sqrt(10));                                                 // [edges, 10]
/// </code>
/// </example>
[Traceable]
public static partial class E3nnMath
{
    /// <summary>The basis names <see cref="SoftOneHotLinspace"/> accepts.</summary>
    public static IReadOnlyList<string> Bases { get; } = new[] { "gaussian", "cosine", "smooth_finite", "fourier", "bessel" };

    // e3nn writes 1.14136 * torch.exp(torch.tensor(2.0)): a float32 product under torch's default dtype, also
    // when x is float64; the float32 value is kept so that float64 results agree with e3nn's to rounding.
    private static readonly double SmoothFiniteFactor = (float)(1.14136f * MathF.Exp(2.0f));

    /// <summary>
    /// Projection of <paramref name="x"/> on <paramref name="number"/> basis functions spread over
    /// [<paramref name="start"/>, <paramref name="end"/>] (e3nn's <c>soft_one_hot_linspace</c>): shape
    /// <c>[..., number]</c>, normalised (except <c>"bessel"</c>) so that <c>sum_i y_i(x)²</c> is about 1 inside the
    /// interval.
    /// </summary>
    /// <param name="x">Values, any shape <c>[...]</c> (floating).</param>
    /// <param name="start">Smallest value the basis spans.</param>
    /// <param name="end">Largest value the basis spans.</param>
    /// <param name="number">Number of basis functions (at least 1; 2 or more for the grid bases without cutoff).</param>
    /// <param name="basis"><c>"gaussian"</c>, <c>"cosine"</c>, <c>"smooth_finite"</c>, <c>"fourier"</c> or
    /// <c>"bessel"</c>.</param>
    /// <param name="cutoff">Whether every function is (about) zero outside (<paramref name="start"/>,
    /// <paramref name="end"/>): the grid then leaves out both ends, and <c>"fourier"</c> / <c>"bessel"</c> are cut off.</param>
    /// <returns>Shape <c>[..., number]</c>, the dtype of <paramref name="x"/>.</returns>
    /// <exception cref="ArgumentException">An unknown basis, or too few functions for the grid.</exception>
    /// <example>
    /// <code>
    /// var x = torch.linspace(-1.0, 2.0, 100);
    /// var y = E3nnMath.SoftOneHotLinspace(x, -0.5, 1.5, number: 4, basis: "smooth_finite", cutoff: true); // [100, 4]
    /// </code>
    /// </example>
    public static Tensor SoftOneHotLinspace(Tensor x, double start, double end, int number, string basis, bool cutoff)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckBasis(basis, number, cutoff);
        var xs = x.unsqueeze(-1);
        if (basis == "fourier")
        {
            using var startScalar = start.ToScalar();
            using var width = (end - start).ToScalar();
            var t = xs.sub(startScalar).div(width);
            using var norm = Math.Sqrt(0.25 + number / 2.0).ToScalar();
            if (!cutoff)
            {
                var i0 = Constant(Enumerable.Range(0, number).Select(k => Math.PI * k).ToArray()).to(x);
                return i0.mul(t).cos().div(norm);
            }

            var i1 = Constant(Enumerable.Range(1, number).Select(k => Math.PI * k).ToArray()).to(x);
            using var lower = 0.0.ToScalar();
            using var upper = 1.0.ToScalar();
            return i1.mul(t).sin().div(norm).mul(t.gt(lower)).mul(t.lt(upper));
        }

        if (basis == "bessel")
        {
            using var startScalar = start.ToScalar();
            var d = xs.sub(startScalar);
            var width = end - start;
            using var c = width.ToScalar();
            using var norm = Math.Sqrt(2.0 / width).ToScalar();
            var roots = Constant(Enumerable.Range(1, number).Select(k => Math.PI * k).ToArray()).to(x);
            var output = roots.mul(d).div(c).sin().mul(norm).div(d);
            if (!cutoff)
            {
                return output;
            }

            using var lower = 0.0.ToScalar();
            using var upper = 1.0.ToScalar();
            return output.mul(d.div(c).lt(upper)).mul(d.gt(lower));
        }

        var (values, step) = Grid(start, end, number, cutoff);
        using var stepScalar = step.ToScalar();
        var diff = xs.sub(Constant(values).to(x)).div(stepScalar);
        if (basis == "gaussian")
        {
            using var two = 2.ToScalar();
            using var gaussianNorm = 1.12.ToScalar();
            return diff.pow(two).neg().exp().div(gaussianNorm);
        }

        using var one = 1.0.ToScalar();
        if (basis == "cosine")
        {
            using var halfPi = (Math.PI / 2).ToScalar();
            using var minusOne = (-1.0).ToScalar();
            return diff.mul(halfPi).cos().mul(diff.lt(one)).mul(diff.gt(minusOne));
        }

        // smooth_finite
        using var factor = SmoothFiniteFactor.ToScalar();
        return SoftUnitStep(diff.add(one)).mul(factor).mul(SoftUnitStep(diff.neg().add(one)));
    }

    /// <summary>
    /// The smooth (C^∞) unit step <c>x ↦ θ(x) e^{-1/x}</c> (e3nn's <c>soft_unit_step</c>), elementwise; its gradient
    /// is <c>e^{-1/x} / x²</c> for <c>x &gt; 0</c> and 0 elsewhere, as e3nn's.
    /// </summary>
    /// <param name="x">Any floating tensor.</param>
    /// <returns>The same shape and dtype.</returns>
    /// <example>
    /// <code>
    /// var y = E3nnMath.SoftUnitStep(torch.linspace(-1.0, 10.0, 1000));
    /// </code>
    /// </example>
    public static Tensor SoftUnitStep(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var zero = 0.0.ToScalar();
        var positive = x.gt(zero);
        // 1 where x <= 0 keeps -1/x finite there, so that the masked branch has a zero gradient, not NaN.
        var safe = where(positive, x, ones_like(x));
        return where(positive, safe.reciprocal().neg().exp(), zeros_like(x));
    }

    /// <summary>
    /// e3nn's <c>normalize2mom(f)</c>: <paramref name="f"/> scaled so that its second moment under a standard
    /// normal input is 1 (see <see cref="Nn.Normalize2Mom"/>, which this creates).
    /// </summary>
    /// <param name="f">An elementwise activation module.</param>
    /// <returns>The normalised activation, a traced module.</returns>
    /// <example>
    /// <code>
    /// var act = E3nnMath.Normalize2Mom(torch.nn.SiLU()); // act.Cst == 1.679...
    /// </code>
    /// </example>
    public static Nn.Normalize2Mom Normalize2Mom(nn.Module<Tensor, Tensor> f) => new(f);

    /// <summary>The n-th moment <c>E[f(z)^n]</c> of <paramref name="f"/> for a standard normal <c>z</c>, estimated as e3nn's
    /// <c>moment</c> does (10⁶ float64 samples of a generator seeded with 0).</summary>
    /// <param name="f">An elementwise activation module accepting float64 input.</param>
    /// <param name="n">The power.</param>
    public static double Moment(nn.Module<Tensor, Tensor> f, int n)
    {
        ArgumentNullException.ThrowIfNull(f);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(0);
        var z = randn(new long[] { Nn.Normalize2Mom.SampleCount }, ScalarType.Float64, generator: generator);
        using var power = n.ToScalar();
        return f.forward(z).to(ScalarType.Float64).pow(power).mean().item<double>();
    }

    private static void CheckBasis(string basis, int number, bool cutoff)
    {
        ArgumentNullException.ThrowIfNull(basis);
        if (!Bases.Contains(basis))
        {
            throw new ArgumentException(
                $"SoftOneHotLinspace: basis=\"{basis}\" is not a valid entry; use one of {string.Join(", ", Bases.Select(b => $"\"{b}\""))}.",
                nameof(basis));
        }

        var gridBasis = basis is "gaussian" or "cosine" or "smooth_finite";
        if (number < 1 || (gridBasis && !cutoff && number < 2))
        {
            throw new ArgumentException(
                $"SoftOneHotLinspace: number={number} is too small for basis \"{basis}\" with cutoff={cutoff} " +
                $"(the grid needs {(gridBasis && !cutoff ? 2 : 1)} or more points).", nameof(number));
        }
    }

    // torch.linspace's float64 values (first half from start, second half from end, as its CPU kernel) and
    // values[1] - values[0]; with cutoff the grid has two more points and drops the ends (e3nn).
    private static (double[] Values, double Step) Grid(double start, double end, int number, bool cutoff)
    {
        var steps = cutoff ? number + 2 : number;
        var step = (end - start) / (steps - 1);
        var halfway = steps / 2;
        var all = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            all[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
        }

        var delta = all[1] - all[0];
        return (cutoff ? all[1..^1] : all, delta);
    }

    private static Tensor Constant(double[] values) => tensor(values, ScalarType.Float64);
}
