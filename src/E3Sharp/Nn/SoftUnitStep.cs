using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// <see cref="E3nnMath.SoftUnitStep"/> as a module (a traced child of a scripted module): <c>θ(x) e^{-1/x}</c>
/// elementwise.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class SoftUnitStep : nn.Module<Tensor, Tensor>, ITracingInputs
{
    /// <summary>Creates the module.</summary>
    public SoftUnitStep() : base(nameof(SoftUnitStep))
    {
    }

    /// <summary>Applies the smooth step.</summary>
    /// <param name="x">Any floating tensor.</param>
    public override Tensor forward(Tensor x) => E3nnMath.SoftUnitStep(x);

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
