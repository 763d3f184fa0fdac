using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// The identity on irreps-valued features (e3nn's <c>nn.Identity</c>): checks that the input and output irreps agree
/// (after simplification) and returns its input. Like e3nn's it holds an <c>output_mask</c> buffer of ones.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class Identity : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private readonly Tensor output_mask;

    /// <summary>Creates the module.</summary>
    /// <param name="irrepsIn">Input irreps.</param>
    /// <param name="irrepsOut">Output irreps; equal to <paramref name="irrepsIn"/> once both are simplified.</param>
    /// <exception cref="ArgumentException">The irreps differ.</exception>
    public Identity(Irreps irrepsIn, Irreps irrepsOut) : base(nameof(Identity))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(irrepsOut);
        var input = irrepsIn.Simplify();
        var output = irrepsOut.Simplify();
        if (input != output)
        {
            throw new ArgumentException(
                $"Identity: irreps_in {input} and irreps_out {output} must be equal (after simplification).",
                nameof(irrepsOut));
        }

        IrrepsInSingle = input;
        IrrepsOut = output;
        output_mask = ones(output.Dim);
        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The input irreps (simplified).</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The output irreps (simplified; equal to the input's).</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>Returns <paramref name="features"/>.</summary>
    /// <param name="features">Input <c>[..., IrrepsIn.Dim]</c>.</param>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        return features;
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(ToString(), [ModuleChecks.Input("features", IrrepsInSingle)]);

    /// <inheritdoc />
    public override string ToString() => $"{nameof(Identity)}({IrrepsInSingle} -> {IrrepsOut})";
}
