using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// Norm-based activation (e3nn's <c>nn.NormActivation</c>): each irrep copy of the input is multiplied by
/// <c>f(|x| + bias)</c>, divided by <c>|x|</c> when <see cref="Normalize"/> (so its norm becomes <c>f(|x| + bias)</c>).
/// Equivariant for any scalar function <c>f</c>.
/// </summary>
/// <example>
/// <code>
/// var act = new NormActivation(new Irreps("2x1e"), torch.nn.Sigmoid());
/// var y = act.call(torch.ones(1, 6));   // each 1e block has norm sigmoid(sqrt(3)) = 0.8497
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class NormActivation : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private readonly Norm norm;

    [TorchSharp.Utils.ComponentName(Name = "scalar_nonlinearity")]
    private readonly nn.Module<Tensor, Tensor> _scalarNonlinearity;

    [TorchSharp.Utils.ComponentName(Name = "scalar_multiplier")]
    private readonly ElementwiseTensorProduct _scalarMultiplier;

    private readonly TorchSharp.Modules.Parameter? biases;
    private readonly double _epsSquared;

    /// <summary>Creates the activation.</summary>
    /// <param name="irrepsIn">Input (and output) irreps.</param>
    /// <param name="scalarNonlinearity">The scalar function applied to the norms (elementwise).</param>
    /// <param name="normalize">Whether to divide each irrep by its norm before scaling it.</param>
    /// <param name="epsilon">With <paramref name="normalize"/>, norms below it are raised to it (default 1e-8);
    /// not allowed without <paramref name="normalize"/>.</param>
    /// <param name="bias">Whether to add a learnable bias (one per irrep copy, initially 0) to the norms.</param>
    /// <param name="dtype">Dtype of the inputs, the bias and the internal constants (default: torch's default dtype).</param>
    public NormActivation(Irreps irrepsIn, nn.Module<Tensor, Tensor> scalarNonlinearity, bool normalize = true,
        double? epsilon = null, bool bias = false, ScalarType? dtype = null)
        : base(nameof(NormActivation))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(scalarNonlinearity);
        if (epsilon is null && normalize)
        {
            epsilon = 1e-8;
        }
        else if (epsilon is not null && !normalize)
        {
            throw new ArgumentException("NormActivation: epsilon and normalize = false don't make sense together.",
                nameof(epsilon));
        }
        else if (epsilon is not null && !(epsilon > 0))
        {
            throw new ArgumentException($"NormActivation: epsilon {epsilon} is invalid, must be strictly positive.",
                nameof(epsilon));
        }

        IrrepsInSingle = irrepsIn;
        Normalize = normalize;
        Epsilon = epsilon;
        _epsSquared = epsilon is { } e ? e * e : 0.0;
        norm = new Norm(irrepsIn, squared: epsilon is not null, dtype: dtype);
        _scalarNonlinearity = scalarNonlinearity;
        _scalarMultiplier = new ElementwiseTensorProduct(norm.IrrepsOut, irrepsIn, dtype: dtype);
        if (bias)
        {
            biases = new TorchSharp.Modules.Parameter(zeros(irrepsIn.NumIrreps, dtype: dtype ?? get_default_dtype()));
        }

        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The input irreps.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The output irreps (the input's).</summary>
    public Irreps IrrepsOut => IrrepsInSingle;

    /// <summary>Whether each irrep is divided by its norm.</summary>
    public bool Normalize { get; }

    /// <summary>The smallest norm used (null without <see cref="Normalize"/>).</summary>
    public double? Epsilon { get; }

    /// <summary>The bias added to the norms (one per irrep copy), or null.</summary>
    public TorchSharp.Modules.Parameter? Biases => biases;

    /// <summary>Applies the activation.</summary>
    /// <param name="features">Input <c>[..., IrrepsIn.Dim]</c>.</param>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        var norms = norm.call(features);
        if (_epsSquared > 0)
        {
            // e3nn: norms[norms < eps²] = eps² (on squared norms), then the square root.
            using var epsSquared = _epsSquared.ToScalar();
            norms = norms.clamp_min(epsSquared).sqrt();
        }

        var nonlinArg = biases is null ? norms : norms.add(biases);
        var scalings = _scalarNonlinearity.call(nonlinArg);
        if (Normalize)
        {
            scalings = scalings.div(norms);
        }

        return _scalarMultiplier.call(scalings, features);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [ModuleChecks.Input("features", IrrepsInSingle)], "norm.tp.output_mask");

    /// <inheritdoc />
    public override string ToString() => $"{nameof(NormActivation)}({IrrepsInSingle})";
}
