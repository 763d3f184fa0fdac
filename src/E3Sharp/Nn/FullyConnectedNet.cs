using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// A fully connected network of scalars with e3nn's variance-preserving initialisation (e3nn's
/// <c>nn.FullyConnectedNet</c>): layers <c>layer0, layer1, ...</c> (<see cref="FullyConnectedNetLayer"/>), each
/// <c>x ← act(x · W / sqrt(h_in · var_in)) · sqrt(var_out)</c> with weights drawn from a standard normal and the
/// activation normalised to unit second moment (<see cref="Normalize2Mom"/>); the last layer has no activation unless
/// <c>outAct</c>. No biases.
/// </summary>
/// <remarks>
/// Parameter names (<c>layer0.weight</c>, ...) and the order of the random draws are e3nn's, so
/// <c>torch.manual_seed(s)</c> before construction gives e3nn's weights, and an e3nn state dict loads as it is.
/// </remarks>
/// <example>
/// A radial network turning 10 basis values per edge into 16 tensor-product weights:
/// <code>
/// var fc = new FullyConnectedNet(new[] { 10, 64, 64, 16 }, torch.nn.SiLU());
/// var weights = fc.call(E3nnMath.SoftOneHotLinspace(lengths, 0.0, 5.0, 10, "bessel", cutoff: true)); // [edges, 16]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class FullyConnectedNet : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private readonly FullyConnectedNetLayer[] _layers;

    /// <summary>Creates the network.</summary>
    /// <param name="hs">Input, hidden and output sizes (at least two entries, all positive).</param>
    /// <param name="act">Activation (elementwise), normalised with <see cref="Normalize2Mom"/>; null: linear network.</param>
    /// <param name="varianceIn">Variance of the input (e3nn's <c>variance_in</c>).</param>
    /// <param name="varianceOut">Variance wanted for the output (e3nn's <c>variance_out</c>).</param>
    /// <param name="outAct">Whether the last layer also applies the activation.</param>
    /// <param name="dtype">Dtype of the weights (default: torch's default dtype).</param>
    public FullyConnectedNet(IReadOnlyList<int> hs, nn.Module<Tensor, Tensor>? act = null, double varianceIn = 1,
        double varianceOut = 1, bool outAct = false, ScalarType? dtype = null)
        : base(nameof(FullyConnectedNet))
    {
        ArgumentNullException.ThrowIfNull(hs);
        if (hs.Count < 2 || hs.Any(h => h < 1))
        {
            throw new ArgumentException(
                $"FullyConnectedNet: hs must list at least two positive sizes (input ... output), got [{string.Join(", ", hs)}].",
                nameof(hs));
        }

        if (!(varianceIn > 0) || !(varianceOut > 0))
        {
            throw new ArgumentException(
                $"FullyConnectedNet: variances must be positive, got variance_in={varianceIn}, variance_out={varianceOut}.");
        }

        Hs = hs.ToArray();
        var normalized = act is null ? null : act as Normalize2Mom ?? new Normalize2Mom(act);
        Activation = normalized;
        _layers = new FullyConnectedNetLayer[hs.Count - 1];
        var varIn = varianceIn;
        for (var i = 0; i < _layers.Length; i++)
        {
            var last = i == _layers.Length - 1;
            var varOut = last ? varianceOut : 1.0;
            _layers[i] = new FullyConnectedNetLayer(hs[i], hs[i + 1], last && !outAct ? null : normalized, varIn, varOut,
                dtype);
            varIn = varOut;
        }

        IrrepsIn = new[] { new Irreps($"{hs[0]}x0e") };
        IrrepsOut = new Irreps($"{hs[^1]}x0e");
        RegisterComponents();
        for (var i = 0; i < _layers.Length; i++)
        {
            register_module($"layer{i}", _layers[i]);
        }
    }

    /// <summary>Input, hidden and output sizes.</summary>
    public IReadOnlyList<int> Hs { get; }

    /// <summary>The normalised activation, or null for a linear network.</summary>
    public Normalize2Mom? Activation { get; }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<FullyConnectedNetLayer> Layers => _layers;

    /// <summary><c>[hs[0]x0e]</c>.</summary>
    public IReadOnlyList<Irreps> IrrepsIn { get; }

    /// <summary><c>hs[^1]x0e</c>.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>Applies the network.</summary>
    /// <param name="x">Input <c>[..., hs[0]]</c>.</param>
    /// <returns><c>[..., hs[^1]]</c>.</returns>
    public override Tensor forward(Tensor x)
    {
        InputContract.Check(this, x);
        foreach (var layer in _layers)
        {
            x = layer.call(x);
        }

        return x;
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [ModuleChecks.Input("x", IrrepsIn[0])], "layer0.weight");

    /// <inheritdoc />
    public override string ToString() => $"{nameof(FullyConnectedNet)}[{string.Join(", ", Hs)}]";
}

/// <summary>
/// One layer of <see cref="FullyConnectedNet"/> (e3nn's <c>_Layer</c>): with an activation
/// <c>act(x · W / sqrt(h_in · var_in)) · sqrt(var_out)</c>, without <c>x · W / sqrt(h_in · var_in / var_out)</c>.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class FullyConnectedNetLayer : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private readonly TorchSharp.Modules.Parameter weight;

    [TorchSharp.Utils.ComponentName(Name = "act")]
    private readonly Normalize2Mom? _act;

    private readonly double _inScale;
    private readonly double _outScale;

    /// <summary>Creates the layer with weights drawn from a standard normal (shape <c>[hIn, hOut]</c>).</summary>
    /// <param name="hIn">Input size.</param>
    /// <param name="hOut">Output size.</param>
    /// <param name="act">Normalised activation, or null.</param>
    /// <param name="varIn">Input variance.</param>
    /// <param name="varOut">Output variance.</param>
    /// <param name="dtype">Weight dtype (default: torch's default dtype).</param>
    public FullyConnectedNetLayer(int hIn, int hOut, Normalize2Mom? act, double varIn, double varOut, ScalarType? dtype = null)
        : base("Layer")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hIn, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hOut, 1);
        HIn = hIn;
        HOut = hOut;
        VarIn = varIn;
        VarOut = varOut;
        weight = new TorchSharp.Modules.Parameter(randn(new long[] { hIn, hOut }, dtype: dtype ?? get_default_dtype()));
        _act = act;
        // e3nn divides the weight by these Python floats and multiplies by sqrt(var_out) after the activation.
        _inScale = act is null ? Math.Sqrt(hIn * varIn / varOut) : Math.Sqrt(hIn * varIn);
        _outScale = Math.Sqrt(varOut);
        IrrepsIn = new[] { new Irreps($"{hIn}x0e") };
        IrrepsOut = new Irreps($"{hOut}x0e");
        RegisterComponents();
    }

    /// <summary>Input size.</summary>
    public int HIn { get; }

    /// <summary>Output size.</summary>
    public int HOut { get; }

    /// <summary>Input variance.</summary>
    public double VarIn { get; }

    /// <summary>Output variance.</summary>
    public double VarOut { get; }

    /// <summary>The weight <c>[HIn, HOut]</c>.</summary>
    public TorchSharp.Modules.Parameter Weight => weight;

    /// <summary>The normalised activation, or null.</summary>
    public Normalize2Mom? Act => _act;

    /// <summary><c>[HIn x0e]</c>.</summary>
    public IReadOnlyList<Irreps> IrrepsIn { get; }

    /// <summary><c>HOut x0e</c>.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>Applies the layer.</summary>
    /// <param name="x">Input <c>[..., HIn]</c>.</param>
    /// <returns><c>[..., HOut]</c>.</returns>
    public override Tensor forward(Tensor x)
    {
        // After the contract (last dimension, rank >= 1, dtype, device) LibTorch's matmul cannot refuse x · W.
        InputContract.Check(this, x);
        using var inScale = _inScale.ToScalar();
        var w = weight.div(inScale);
        if (_act is null)
        {
            return matmul(x, w);
        }

        using var outScale = _outScale.ToScalar();
        return _act.call(matmul(x, w)).mul(outScale);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [ModuleChecks.Input("x", IrrepsIn[0])], "weight");

    /// <inheritdoc />
    public override string ToString() =>
        $"Layer({HIn}->{HOut}, act={(_act is null ? "None" : _act.F.GetName())})";
}
