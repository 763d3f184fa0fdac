using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Spherical harmonics of a vector (e3nn's <c>o3.SphericalHarmonics</c>): input <c>[..., 3]</c> (irreps <c>1x1o</c>,
/// or <c>1x1e</c> for a pseudovector), output the blocks <c>Y^l</c> of the requested degrees, in order.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class SphericalHarmonics : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private readonly int[] _ls;
    private readonly bool _normalize;
    private readonly string _normalization;

    /// <summary>Creates the module for degrees <paramref name="ls"/> (blocks concatenated in this order).</summary>
    /// <param name="ls">Degrees (non-negative, at most 11 as in e3nn).</param>
    /// <param name="normalize">Whether to normalise the input vectors first (zero stays zero).</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    /// <param name="irrepsIn"><c>1x1o</c> (default) or <c>1x1e</c>.</param>
    public SphericalHarmonics(IEnumerable<int> ls, bool normalize, string normalization = "integral",
        Irreps? irrepsIn = null)
        : this(ls?.ToArray() ?? throw new ArgumentNullException(nameof(ls)), null, normalize, normalization, irrepsIn)
    {
    }

    /// <summary>Creates the module for output irreps such as <c>"1x0e+1x1o+1x2e"</c> (a degree l with multiplicity m is
    /// repeated m times). An odd l with even parity selects a pseudovector input (<c>1x1e</c>).</summary>
    /// <param name="irrepsOut">Output irreps; parities must be <c>p_in^l</c>.</param>
    /// <param name="normalize">Whether to normalise the input vectors first (zero stays zero).</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    /// <param name="irrepsIn"><c>1x1o</c> or <c>1x1e</c>; default chosen from <paramref name="irrepsOut"/>.</param>
    public SphericalHarmonics(Irreps irrepsOut, bool normalize, string normalization = "integral",
        Irreps? irrepsIn = null)
        : this(null, irrepsOut ?? throw new ArgumentNullException(nameof(irrepsOut)), normalize, normalization, irrepsIn)
    {
    }

    private SphericalHarmonics(int[]? ls, Irreps? irrepsOut, bool normalize, string normalization, Irreps? irrepsIn)
        : base(nameof(SphericalHarmonics))
    {
        if (normalization is not ("integral" or "component" or "norm"))
        {
            throw new ArgumentException(
                $"SphericalHarmonics: normalization must be \"integral\", \"component\" or \"norm\", got \"{normalization}\".",
                nameof(normalization));
        }
        if (irrepsOut is not null && irrepsIn is null && irrepsOut.Any(mi => mi.Ir.L % 2 == 1 && mi.Ir.P == 1))
        {
            irrepsIn = new Irreps("1x1e");
        }
        irrepsIn ??= new Irreps("1x1o");
        if (irrepsIn != new Irreps("1x1o") && irrepsIn != new Irreps("1x1e"))
        {
            throw new ArgumentException(
                $"SphericalHarmonics: irreps_in must be either a vector (1x1o) or a pseudovector (1x1e), not {ModuleChecks.Show(irrepsIn)}.",
                nameof(irrepsIn));
        }
        var pIn = irrepsIn[0].Ir.P;
        if (irrepsOut is not null)
        {
            var list = new List<int>();
            foreach (var (mul, ir) in irrepsOut)
            {
                var expected = ir.L % 2 == 0 ? 1 : pIn;
                if (ir.P != expected)
                {
                    throw new ArgumentException(
                        $"SphericalHarmonics: irreps_out {irrepsOut} asks for an output of l = {ir.L} with parity " +
                        $"p = {ir.P}, which is inconsistent with the input parity {pIn}; the output parity should " +
                        $"have been p = {expected}.", nameof(irrepsOut));
                }
                list.AddRange(Enumerable.Repeat(ir.L, mul));
            }
            ls = list.ToArray();
        }
        if (ls!.Length == 0)
        {
            throw new ArgumentException("SphericalHarmonics: at least one degree l is needed.", nameof(ls));
        }
        if (ls.Any(l => l < 0))
        {
            throw new ArgumentException($"SphericalHarmonics: degrees must be non-negative, got [{string.Join(", ", ls)}].",
                nameof(ls));
        }
        if (ls.Max() > MaxL)
        {
            throw new NotSupportedException(
                $"SphericalHarmonics: the maximum l implemented is {MaxL} (as e3nn), got {ls.Max()}.");
        }
        _ls = ls;
        _normalize = normalize;
        _normalization = normalization;
        IrrepsInSingle = irrepsIn;
        IrrepsOut = new Irreps(ls.Select(l => new MulIr(1, new Irrep(l, l % 2 == 0 ? 1 : pIn)))).Simplify();
        RegisterComponents();
    }

    /// <summary>The largest degree supported (e3nn 0.5.6's limit).</summary>
    public const int MaxL = 11;

    /// <summary>Creates the module for all degrees <c>0..lmax</c>.</summary>
    /// <param name="lmax">Largest degree.</param>
    /// <param name="normalize">Whether to normalise the input vectors first.</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    public static SphericalHarmonics ForLmax(int lmax, bool normalize, string normalization = "integral") =>
        new(Enumerable.Range(0, Math.Max(0, lmax + 1)), normalize, normalization);

    private Irreps IrrepsInSingle { get; }

    /// <summary>The irreps of the input: <c>[1x1o]</c> or <c>[1x1e]</c>.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The output irreps (simplified).</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>The degrees, in output order.</summary>
    public IReadOnlyList<int> Ls => _ls;

    /// <summary>Whether inputs are normalised first.</summary>
    public bool Normalize => _normalize;

    /// <summary>The normalisation (<c>"integral"</c>, <c>"component"</c> or <c>"norm"</c>).</summary>
    public string Normalization => _normalization;

    /// <summary>Computes the spherical harmonics.</summary>
    /// <param name="x">Vectors of shape <c>[..., 3]</c> (floating).</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor x)
    {
        InputContract.Check(this, x);
        return SphericalHarmonicsMath.Compute(_ls, x, _normalize, _normalization);
    }


    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(), [ModuleChecks.Input("x", IrrepsInSingle)]) { Floating = true };

    /// <inheritdoc />
    public override string ToString() =>
        $"{nameof(SphericalHarmonics)}([{string.Join(", ", _ls)}], normalize={_normalize}, normalization={_normalization})";
}
