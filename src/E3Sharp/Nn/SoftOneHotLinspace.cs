using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// <see cref="E3nnMath.SoftOneHotLinspace"/> as a module (a traced child of a scripted module, whose forward calls only
/// methods of its own class): <c>forward(x)</c> has shape <c>[..., Number]</c>.
/// </summary>
/// <example>
/// <code>
/// var embed = new SoftOneHotLinspace(0.0, 5.0, 10, "bessel", cutoff: true);
/// var emb = embed.call(lengths);   // [edges, 10]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class SoftOneHotLinspace : nn.Module<Tensor, Tensor>, ITracingInputs, IInputContract
{
    /// <summary>Creates the module (arguments as <see cref="E3nnMath.SoftOneHotLinspace"/>).</summary>
    /// <param name="start">Smallest value the basis spans.</param>
    /// <param name="end">Largest value the basis spans.</param>
    /// <param name="number">Number of basis functions.</param>
    /// <param name="basis"><c>"gaussian"</c>, <c>"cosine"</c>, <c>"smooth_finite"</c>, <c>"fourier"</c> or <c>"bessel"</c>.</param>
    /// <param name="cutoff">Whether the functions vanish outside (<paramref name="start"/>, <paramref name="end"/>).</param>
    public SoftOneHotLinspace(double start, double end, int number, string basis, bool cutoff)
        : base(nameof(SoftOneHotLinspace))
    {
        // Checks the arguments now rather than at the first call.
        using (var scope = NewDisposeScope())
        {
            E3nnMath.SoftOneHotLinspace(zeros(1, dtype: ScalarType.Float64), start, end, number, basis, cutoff);
        }

        Start = start;
        End = end;
        Number = number;
        Basis = basis;
        Cutoff = cutoff;
        RegisterComponents();
    }

    /// <summary>Smallest value the basis spans.</summary>
    public double Start { get; }

    /// <summary>Largest value the basis spans.</summary>
    public double End { get; }

    /// <summary>Number of basis functions (the last output dimension).</summary>
    public int Number { get; }

    /// <summary>The basis name.</summary>
    public string Basis { get; }

    /// <summary>Whether the functions vanish outside the interval.</summary>
    public bool Cutoff { get; }

    /// <summary>Projects <paramref name="x"/> on the basis.</summary>
    /// <param name="x">Values, any shape <c>[...]</c>.</param>
    /// <returns><c>[..., Number]</c>.</returns>
    public override Tensor forward(Tensor x)
    {
        InputContract.Check(this, x);
        return E3nnMath.SoftOneHotLinspace(x, Start, End, Number, Basis, Cutoff);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(ToString(), [InputSpec.AnyShape("x")]) { Floating = true };

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var list = new List<Tensor[]>();
        for (var i = 0; i < Math.Max(n, 1); i++)
        {
            // Values across and beyond the interval, away from start (bessel divides by x - start).
            var u = rand(new long[] { 6 + i }, dtype: get_default_dtype());
            using var span = (1.4 * (End - Start)).ToScalar();
            using var low = (Start - 0.2 * (End - Start) + 1e-3).ToScalar();
            list.Add(new[] { u.mul(span).add(low) });
        }

        return list;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{nameof(SoftOneHotLinspace)}(start={Start}, end={End}, number={Number}, basis={Basis}, cutoff={Cutoff})";
}
