using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Norm of each irrep copy (e3nn's <c>o3.Norm</c>): for input irreps <c>Σ mul_k × ir_k</c> the output is
/// <c>Σ mul_k × 0e</c>, one (squared) Euclidean norm per copy. Built, as in e3nn, on a <see cref="TensorProduct"/>
/// child <c>tp</c> with <c>"uuu"</c> paths; the square root is taken of <c>relu(x²)</c>, so the gradient at 0 is 0.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class Norm : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    [ComponentName(Name = "tp")]
    private readonly TensorProduct _tp;

    private readonly bool _squared;

    /// <summary>Creates the norm module.</summary>
    /// <param name="irrepsIn">Irreps of the input (simplified).</param>
    /// <param name="squared">Whether to return the squared norms.</param>
    /// <param name="dtype">Floating dtype (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public Norm(Irreps irrepsIn, bool squared = false, ScalarType? dtype = null, Device? device = null)
        : base(nameof(Norm))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        var input = irrepsIn.Simplify();
        var output = new Irreps(input.Select(mi => new MulIr(mi.Mul, new Irrep(0, 1))));
        var instructions = input.Select((mi, i) => new Instruction(i, i, i, "uuu", false, mi.Ir.Dim));
        _tp = new TensorProduct(input, input, output, instructions, irrepNormalization: "component", dtype: dtype,
            device: device);
        _squared = squared;
        IrrepsInSingle = input;
        IrrepsOut = output.Simplify();
        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The irreps of the input (simplified).</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The output irreps: one <c>0e</c> per input irrep copy.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>Whether the module returns squared norms.</summary>
    public bool Squared => _squared;

    /// <summary>The underlying tensor product.</summary>
    public TensorProduct Tp => _tp;

    /// <summary>Computes the norms.</summary>
    /// <param name="features">Input of shape <c>[..., IrrepsIn.Dim]</c>.</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        var output = _tp.forward(features, features);
        if (_squared) return output;
        return output.relu().sqrt();
    }


    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(), [ModuleChecks.Input("features", IrrepsInSingle)], "tp.output_mask");
    /// <inheritdoc />
    public override string ToString() => $"{nameof(Norm)}({IrrepsInSingle})";
}
