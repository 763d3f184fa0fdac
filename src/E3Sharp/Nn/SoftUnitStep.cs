using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// <see cref="E3nnMath.SoftUnitStep"/> as a module (a traced child of a scripted module): <c>θ(x) e^{-1/x}</c>
/// elementwise.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class SoftUnitStep : nn.Module<Tensor, Tensor>, ITracingInputs, IInputContract
{
    /// <summary>Creates the module.</summary>
    public SoftUnitStep() : base(nameof(SoftUnitStep))
    {
    }

    /// <summary>Applies the smooth step.</summary>
    /// <param name="x">Any floating tensor.</param>
    public override Tensor forward(Tensor x)
    {
        InputContract.Check(this, x);
        return E3nnMath.SoftUnitStep(x);
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(ToString(), [InputSpec.AnyShape("x")]) { Floating = true };

    /// <inheritdoc />
    public override string ToString() => nameof(SoftUnitStep) + "()";

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var list = new List<Tensor[]>();
        for (var i = 0; i < Math.Max(n, 1); i++)
        {
            list.Add(new[] { randn(new long[] { 5 + i }, dtype: get_default_dtype()) });
        }

        return list;
    }
}
