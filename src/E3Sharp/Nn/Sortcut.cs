using E3Sharp.Jit;
using E3Sharp.O3;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// Splits a feature whose irreps are the <em>sorted</em> concatenation of several irreps back into them (e3nn's
/// <c>nn._Sortcut</c>, used by <see cref="Gate"/>): the input irreps are
/// <c>(irrepsOuts[0] + irrepsOuts[1] + ...).Sort().Irreps.Simplify()</c>.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class Sortcut : nn.Module<Tensor, Tensor[]>, IIrrepsModule
{
    [ComponentName(Name = "cut")]
    private readonly Extract _cut;

    /// <summary>Creates the split.</summary>
    /// <param name="irrepsOuts">The irreps of the outputs (each simplified).</param>
    public Sortcut(params Irreps[] irrepsOuts) : base(nameof(Sortcut))
    {
        ArgumentNullException.ThrowIfNull(irrepsOuts);
        IrrepsOuts = irrepsOuts.Select(i => i.Simplify()).ToArray();
        var concatenated = IrrepsOuts.Aggregate(Irreps.Empty, (a, b) => a + b);
        var instructions = new List<int[]>();
        var next = 0;
        foreach (var irreps in IrrepsOuts)
        {
            instructions.Add(Enumerable.Range(next, irreps.Length).ToArray());
            next += irreps.Length;
        }
        var sorted = concatenated.Sort();
        var permuted = instructions.Select(ins => (IReadOnlyList<int>)ins.Select(i => sorted.P[i]).ToArray()).ToList();
        _cut = new Extract(sorted.Irreps, IrrepsOuts, permuted);
        IrrepsInSingle = sorted.Irreps.Simplify();
        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The (sorted, simplified) input irreps.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The irreps of each output.</summary>
    public IReadOnlyList<Irreps> IrrepsOuts { get; }

    /// <summary>The concatenation of the output irreps.</summary>
    public Irreps IrrepsOut => IrrepsOuts.Aggregate(Irreps.Empty, (a, b) => a + b);

    /// <summary>Splits the input.</summary>
    /// <param name="x">Input of shape <c>[..., IrrepsIn.Dim]</c>.</param>
    /// <returns>One tensor per output.</returns>
    public override Tensor[] forward(Tensor x) => _cut.forward(x);

    /// <inheritdoc />
    public override string ToString() =>
        $"{nameof(Sortcut)}({IrrepsInSingle} -> [{string.Join(", ", IrrepsOuts)}])";
}
