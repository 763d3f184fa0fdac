using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// Extracts sub-irreps of a feature (e3nn's <c>nn.Extract</c>): output <c>k</c> is made of the input irreps listed in
/// <c>instructions[k]</c>, in that order, and has irreps <c>irrepsOuts[k]</c>.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class Extract : nn.Module<Tensor, Tensor[]>, IIrrepsModule, IInputContract
{
    private readonly long[][] _starts;
    private readonly long[][] _lengths;
    private readonly string _description;

    /// <summary>Creates the extraction.</summary>
    /// <param name="irrepsIn">Irreps of the input.</param>
    /// <param name="irrepsOuts">Irreps of each output.</param>
    /// <param name="instructions">For each output, the indices (into <paramref name="irrepsIn"/>) of its irreps.</param>
    public Extract(Irreps irrepsIn, IReadOnlyList<Irreps> irrepsOuts, IReadOnlyList<IReadOnlyList<int>> instructions)
        : base(nameof(Extract))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(irrepsOuts);
        ArgumentNullException.ThrowIfNull(instructions);
        IrrepsInSingle = irrepsIn;
        IrrepsOuts = irrepsOuts.ToArray();
        Instructions = instructions.Select(i => (IReadOnlyList<int>)i.ToArray()).ToArray();
        _description = $"{nameof(Extract)}({irrepsIn} -> [{string.Join(", ", IrrepsOuts.Select(ModuleChecks.Show))}])";
        if (IrrepsOuts.Count != Instructions.Count)
        {
            throw new ArgumentException(
                $"{_description}: {IrrepsOuts.Count} output irreps but {Instructions.Count} instructions.",
                nameof(instructions));
        }
        var slices = irrepsIn.Slices();
        _starts = new long[IrrepsOuts.Count][];
        _lengths = new long[IrrepsOuts.Count][];
        for (var k = 0; k < IrrepsOuts.Count; k++)
        {
            var outIrreps = IrrepsOuts[k];
            var ins = Instructions[k];
            if (outIrreps.Length != ins.Count)
            {
                throw new ArgumentException(
                    $"{_description}: output {k} has irreps {ModuleChecks.Show(outIrreps)} ({outIrreps.Length} entries) " +
                    $"but its instruction lists {ins.Count} indices.", nameof(instructions));
            }
            var starts = new List<long>();
            var lengths = new List<long>();
            for (var j = 0; j < ins.Count; j++)
            {
                var i = ins[j];
                if (i < 0 || i >= irrepsIn.Length)
                {
                    throw new ArgumentException(
                        $"{_description}: output {k} refers to input irrep {i}, but the input has {irrepsIn.Length} entries.",
                        nameof(instructions));
                }
                if (irrepsIn[i] != outIrreps[j])
                {
                    throw new ArgumentException(
                        $"{_description}: output {k} entry {j} is {outIrreps[j]} but input irrep {i} is {irrepsIn[i]}.",
                        nameof(instructions));
                }
                var (start, length) = (slices[i].Start, slices[i].Stop - slices[i].Start);
                if (length == 0) continue;
                if (starts.Count > 0 && starts[^1] + lengths[^1] == start)
                {
                    lengths[^1] += length;   // merge adjacent slices
                }
                else
                {
                    starts.Add(start);
                    lengths.Add(length);
                }
            }
            _starts[k] = starts.ToArray();
            _lengths[k] = lengths.ToArray();
        }
        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The irreps of the input: <c>[irrepsIn]</c>.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The irreps of each output.</summary>
    public IReadOnlyList<Irreps> IrrepsOuts { get; }

    /// <summary>The concatenation of the output irreps.</summary>
    public Irreps IrrepsOut => IrrepsOuts.Aggregate(Irreps.Empty, (a, b) => a + b);

    /// <summary>For each output, the input irrep indices it is made of.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Instructions { get; }

    /// <summary>Extracts the outputs.</summary>
    /// <param name="x">Input of shape <c>[..., IrrepsIn.Dim]</c>.</param>
    /// <returns>One tensor per output, shape <c>[..., irrepsOuts[k].Dim]</c>.</returns>
    public override Tensor[] forward(Tensor x)
    {
        InputContract.Check(this, x);
        var outputs = new Tensor[_starts.Length];
        for (var k = 0; k < _starts.Length; k++)
        {
            var starts = _starts[k];
            var lengths = _lengths[k];
            if (starts.Length == 0)
            {
                outputs[k] = x.narrow(-1, 0, 0);
            }
            else if (starts.Length == 1)
            {
                outputs[k] = x.narrow(-1, starts[0], lengths[0]);
            }
            else
            {
                var parts = new List<Tensor>();
                for (var j = 0; j < starts.Length; j++)
                {
                    parts.Add(x.narrow(-1, starts[j], lengths[j]));
                }
                outputs[k] = cat(parts, -1);
            }
        }
        return outputs;
    }


    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(), [ModuleChecks.Input("x", IrrepsInSingle)], null);
    /// <inheritdoc />
    public override string ToString() => _description;
}
