using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>Extracts all copies of one irrep from a feature (e3nn's <c>nn.ExtractIr</c>), as a single tensor.</summary>
[CompileMode(JitMode.Script)]
public partial class ExtractIr : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private readonly long[] _starts;
    private readonly long[] _lengths;

    /// <summary>Creates the extraction.</summary>
    /// <param name="irrepsIn">Irreps of the input.</param>
    /// <param name="ir">The irrep to extract.</param>
    public ExtractIr(Irreps irrepsIn, Irrep ir) : base(nameof(ExtractIr))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        IrrepsInSingle = irrepsIn;
        Ir = ir;
        var slices = irrepsIn.Slices();
        var selected = new List<MulIr>();
        var starts = new List<long>();
        var lengths = new List<long>();
        for (var i = 0; i < irrepsIn.Length; i++)
        {
            if (irrepsIn[i].Ir != ir) continue;
            selected.Add(irrepsIn[i]);
            var length = (long)slices[i].Stop - slices[i].Start;
            if (length == 0) continue;
            if (starts.Count > 0 && starts[^1] + lengths[^1] == slices[i].Start)
            {
                lengths[^1] += length;
            }
            else
            {
                starts.Add(slices[i].Start);
                lengths.Add(length);
            }
        }
        IrrepsOut = new Irreps(selected);
        _starts = starts.ToArray();
        _lengths = lengths.ToArray();
        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The irreps of the input: <c>[irrepsIn]</c>.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The extracted irreps (all copies of <see cref="Ir"/>, in input order).</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>The irrep extracted.</summary>
    public Irrep Ir { get; }

    /// <summary>Extracts the copies.</summary>
    /// <param name="x">Input of shape <c>[..., IrrepsIn.Dim]</c>.</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor x)
    {
        InputContract.Check(this, x);
        if (_starts.Length == 0) return x.narrow(-1, 0, 0);
        if (_starts.Length == 1) return x.narrow(-1, _starts[0], _lengths[0]);
        var parts = new List<Tensor>();
        for (var j = 0; j < _starts.Length; j++)
        {
            parts.Add(x.narrow(-1, _starts[j], _lengths[j]));
        }
        return cat(parts, -1);
    }


    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(), [ModuleChecks.Input("x", IrrepsInSingle)], null);
    /// <inheritdoc />
    public override string ToString() => $"{nameof(ExtractIr)}({IrrepsInSingle} -> {ModuleChecks.Show(IrrepsOut)})";
}
