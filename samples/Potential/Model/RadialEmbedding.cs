using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// NequIP's edge length embedding: a Bessel basis <c>(2 / r_max) · sin(w_n r / r_max) / r</c>, <c>w_n = nπ</c>
/// (trainable, n = 1..numBasis), times the polynomial cutoff envelope of degree <c>p</c>
/// <c>u(x) = 1 − (p+1)(p+2)/2 · x^p + p(p+2) · x^(p+1) − p(p+1)/2 · x^(p+2)</c> for <c>x = r / r_max &lt; 1</c>, 0 beyond,
/// which goes to zero at <c>r_max</c> with its first two derivatives, so energies and forces are smooth when a
/// neighbour crosses the cutoff.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class RadialEmbedding : nn.Module<Tensor, Tensor>, ITracingInputs
{
    [ComponentName(Name = "bessel_weights")]
    private readonly Parameter _besselWeights;

    private readonly double _rMax;
    private readonly double _p;

    /// <summary>Creates the embedding.</summary>
    /// <param name="rMax">Cutoff radius (Å, positive).</param>
    /// <param name="numBasis">Number of Bessel functions (positive).</param>
    /// <param name="polynomialDegree">Degree <c>p</c> of the cutoff envelope (at least 2).</param>
    /// <param name="dtype">Floating dtype.</param>
    public RadialEmbedding(double rMax, int numBasis, int polynomialDegree = 6, ScalarType dtype = ScalarType.Float32)
        : base(nameof(RadialEmbedding))
    {
        if (!(rMax > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(rMax), rMax, "RadialEmbedding: r_max must be positive.");
        }

        if (numBasis < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numBasis), numBasis,
                "RadialEmbedding: the number of basis functions must be positive.");
        }

        if (polynomialDegree < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(polynomialDegree), polynomialDegree,
                "RadialEmbedding: the cutoff polynomial degree p must be at least 2.");
        }

        _rMax = rMax;
        _p = polynomialDegree;
        NumBasis = numBasis;
        _besselWeights = new Parameter(linspace(1.0, numBasis, numBasis, dtype: dtype) * Math.PI);
        RegisterComponents();
    }

    /// <summary>Cutoff radius (Å).</summary>
    public double RMax => _rMax;

    /// <summary>Number of basis functions (width of the output).</summary>
    public int NumBasis { get; }

    /// <summary>Embeds edge lengths.</summary>
    /// <param name="r">Edge lengths <c>[E]</c> (positive).</param>
    /// <returns><c>[E, NumBasis]</c>.</returns>
    public override Tensor forward(Tensor r)
    {
        var rr = r.unsqueeze(-1);
        var bessel = sin(_besselWeights * (rr / _rMax)) / rr * (2.0 / _rMax);
        return bessel * Envelope(rr);
    }

    /// <summary>The cutoff envelope <c>u(r / r_max)</c> (0 at and beyond r_max).</summary>
    /// <param name="r">Distances (any shape).</param>
    public Tensor Envelope(Tensor r)
    {
        var p = _p;
        var x = r / _rMax;
        using var exponent = p.ToScalar();
        using var one = 1.0.ToScalar();
        var xp = pow(x, exponent);
        var u = 1.0 - (p + 1.0) * (p + 2.0) / 2.0 * xp + p * (p + 2.0) * xp * x - p * (p + 1.0) / 2.0 * xp * x * x;
        return where(x.lt(one), u, zeros_like(u));
    }

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var list = new List<Tensor[]>();
        for (var i = 0; i < Math.Max(n, 1); i++)
        {
            list.Add(new[] { rand(new long[] { 7 + i }, dtype: _besselWeights.dtype) * _rMax * 1.1 + 0.1 });
        }

        return list;
    }
}
