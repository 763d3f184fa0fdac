using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// e3nn's <c>nn.SO3Activation</c>: a pointwise nonlinearity on SO(3). The Fourier coefficients of a signal on SO(3)
/// (<c>sum (2l+1)^2</c> numbers, irreps <c>(2l+1)x l</c> for <c>l = 0..lmaxIn</c>) are evaluated on a grid of rotations
/// (<see cref="SO3Grid"/>), <c>act</c> (normalised as e3nn's <c>normalize2mom</c>) is applied to each value, and the
/// result is projected back up to <c>lmaxOut</c>. Equivariant up to the grid's quadrature error.
/// </summary>
/// <example>
/// <code>
/// var act = new SO3Activation(2, 2, nn.Tanh(), resolution: 6);
/// var y = act.call(torch.randn(4, 35));   // [4, 35]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class SO3Activation : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    [TorchSharp.Utils.ComponentName(Name = "grid_in")]
    private readonly SO3Grid _gridIn;

    [TorchSharp.Utils.ComponentName(Name = "grid_out")]
    private readonly SO3Grid _gridOut;

    [TorchSharp.Utils.ComponentName(Name = "act")]
    private readonly Normalize2Mom _act;

    /// <summary>Creates the activation.</summary>
    /// <param name="lmaxIn">Largest degree of the input.</param>
    /// <param name="lmaxOut">Largest degree of the output.</param>
    /// <param name="act">The scalar activation (elementwise).</param>
    /// <param name="resolution">The SO(3) grids' resolution.</param>
    /// <param name="normalization">Only <c>"component"</c> (as e3nn).</param>
    /// <param name="aspectRatio">Alpha and gamma resolution over beta resolution (default 2).</param>
    /// <param name="dtype">Dtype of the grids' constants and the inputs (default: torch's default dtype).</param>
    public SO3Activation(int lmaxIn, int lmaxOut, nn.Module<Tensor, Tensor> act, int resolution,
        string normalization = "component", int aspectRatio = 2, ScalarType? dtype = null)
        : base(nameof(SO3Activation))
    {
        ArgumentNullException.ThrowIfNull(act);
        _gridIn = new SO3Grid(lmaxIn, resolution, normalization, aspectRatio, dtype);
        _gridOut = new SO3Grid(lmaxOut, resolution, normalization, aspectRatio, dtype);
        _act = new Normalize2Mom(act);
        LmaxIn = lmaxIn;
        LmaxOut = lmaxOut;
        RegisterComponents();
    }

    /// <summary>Largest degree of the input.</summary>
    public int LmaxIn { get; }

    /// <summary>Largest degree of the output.</summary>
    public int LmaxOut { get; }

    /// <summary>The input irreps <c>(2l+1)x l e</c>, <c>l = 0..LmaxIn</c>.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { _gridIn.Irreps };

    /// <summary>The output irreps <c>(2l+1)x l e</c>, <c>l = 0..LmaxOut</c>.</summary>
    public Irreps IrrepsOut => _gridOut.Irreps;

    /// <summary>The normalised activation (e3nn's <c>act</c>).</summary>
    public Normalize2Mom Act => _act;

    /// <summary>The grid of the input (e3nn's <c>grid_in</c>).</summary>
    public SO3Grid GridIn => _gridIn;

    /// <summary>The grid of the output (e3nn's <c>grid_out</c>).</summary>
    public SO3Grid GridOut => _gridOut;

    /// <summary>Applies the activation.</summary>
    /// <param name="features">Coefficients <c>[..., sum (2l+1)^2]</c>.</param>
    /// <returns><c>[..., sum over l &lt;= LmaxOut of (2l+1)^2]</c>.</returns>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        return _gridOut.FromGrid(_act.call(_gridIn.call(features)));
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [ModuleChecks.Input("features", _gridIn.Irreps)], "grid_in.D");

    /// <inheritdoc />
    public override string ToString() => $"{nameof(SO3Activation)} ({LmaxIn} -> {LmaxOut})";
}
