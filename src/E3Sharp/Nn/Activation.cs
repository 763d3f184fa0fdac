using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// Scalar activations on irreps (e3nn's <c>nn.Activation</c>): activation <c>k</c> (normalised with
/// <see cref="Normalize2Mom"/>) is applied to the k-th entry of the input irreps, which must then be scalars;
/// <c>null</c> leaves the entry unchanged. Parity: an even input stays even; an odd input becomes even under an even
/// activation, stays odd under an odd one, and is rejected under an activation that is neither.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class Activation : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    [ComponentName(Name = "acts")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _acts;

    // Per input entry: (start, length of the entry, index into _acts or -1).
    private readonly long[] _starts;
    private readonly long[] _lengths;
    private readonly int[] _actIndex;

    /// <summary>Creates the activation layer.</summary>
    /// <param name="irrepsIn">Input irreps.</param>
    /// <param name="acts">One activation (or <c>null</c>) per entry of <paramref name="irrepsIn"/>.</param>
    public Activation(Irreps irrepsIn, IReadOnlyList<nn.Module<Tensor, Tensor>?> acts) : base(nameof(Activation))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(acts);
        if (irrepsIn.Length != acts.Count)
        {
            throw new ArgumentException(
                $"Activation: irreps_in {ModuleChecks.Show(irrepsIn)} has {irrepsIn.Length} entries but {acts.Count} " +
                "activation functions were given.", nameof(acts));
        }
        _acts = new ModuleList<nn.Module<Tensor, Tensor>>();
        var output = new List<MulIr>();
        _starts = new long[acts.Count];
        _lengths = new long[acts.Count];
        _actIndex = new int[acts.Count];
        long start = 0;
        for (var k = 0; k < acts.Count; k++)
        {
            var (mul, ir) = irrepsIn[k];
            _starts[k] = start;
            _lengths[k] = mul * ir.Dim;
            start += mul * ir.Dim;
            var act = acts[k];
            if (act is null)
            {
                _actIndex[k] = -1;
                output.Add(irrepsIn[k]);
                continue;
            }
            if (ir.L != 0)
            {
                throw new ArgumentException(
                    $"Activation: cannot apply an activation function to a non-scalar input (entry {k} of " +
                    $"{irrepsIn} is {irrepsIn[k]}).", nameof(acts));
            }
            var normalized = act as Normalize2Mom ?? new Normalize2Mom(act);
            var parityAct = Parity(normalized);
            var parityOut = ir.P == -1 ? parityAct : ir.P;
            if (parityOut == 0)
            {
                throw new ArgumentException(
                    $"Activation: the parity is violated! Entry {k} of {irrepsIn} ({irrepsIn[k]}) is odd but the " +
                    $"activation {act.GetName()} is neither even nor odd.", nameof(acts));
            }
            _actIndex[k] = _acts.Count;
            _acts.Add(normalized);
            output.Add(new MulIr(mul, new Irrep(0, parityOut)));
        }
        IrrepsInSingle = irrepsIn;
        IrrepsOut = new Irreps(output);
        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The irreps of the input: <c>[irrepsIn]</c>.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The output irreps (same multiplicities; scalar parities per the activations).</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>The normalised activations, in entry order (entries without one are skipped).</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Acts => _acts.ToList();

    /// <summary>Applies the activations.</summary>
    /// <param name="features">Input of shape <c>[..., IrrepsIn.Dim]</c>.</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        var output = new List<Tensor>();
        for (var k = 0; k < _starts.Length; k++)
        {
            var part = features.narrow(-1, _starts[k], _lengths[k]);
            if (_actIndex[k] >= 0) part = _acts[_actIndex[k]].forward(part);
            output.Add(part);
        }
        if (output.Count > 1) return cat(output, -1);
        if (output.Count == 1) return output[0];
        return zeros_like(features);
    }


    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(), [ModuleChecks.Input("features", IrrepsInSingle)], null);
    /// <inheritdoc />
    public override string ToString()
    {
        var marks = string.Concat(_actIndex.Select(i => i >= 0 ? "x" : " "));
        return $"{nameof(Activation)} [{marks}] ({IrrepsInSingle} -> {IrrepsOut})";
    }

    // 1 if even, -1 if odd, 0 if neither (e3nn: compare f(x) and f(-x) on linspace(0, 10, 256)).
    private static int Parity(nn.Module<Tensor, Tensor> act)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = linspace(0, 10, 256, dtype: get_default_dtype());
        var a1 = act.forward(x);
        var a2 = act.forward(x.neg());
        if (a1.sub(a2).abs().max().to(ScalarType.Float64).item<double>() < 1e-5) return 1;
        if (a1.add(a2).abs().max().to(ScalarType.Float64).item<double>() < 1e-5) return -1;
        return 0;
    }
}
