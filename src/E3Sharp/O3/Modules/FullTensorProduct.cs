using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Full tensor product (e3nn's <c>o3.FullTensorProduct</c>): <c>z_{uv} = x_u ⊗ y_v</c> for every pair of irreps and
/// every allowed output irrep, without weights (mode <c>"uvuv"</c>); the output irreps are sorted.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class FullTensorProduct : TensorProduct
{
    /// <summary>Creates the full tensor product.</summary>
    /// <inheritdoc cref="ElementwiseTensorProduct(Irreps, Irreps, IEnumerable{Irrep}?, string, ScalarType?, Device?)" path="/param"/>
    public FullTensorProduct(Irreps irrepsIn1, Irreps irrepsIn2, IEnumerable<Irrep>? filterIrOut = null,
        string irrepNormalization = "component", ScalarType? dtype = null, Device? device = null)
        : base(nameof(FullTensorProduct), MakeSpec(irrepsIn1, irrepsIn2, filterIrOut), irrepNormalization, null, null, dtype, device)
    {
    }

    private static TensorProductSpec MakeSpec(Irreps irrepsIn1, Irreps irrepsIn2, IEnumerable<Irrep>? filterIrOut)
    {
        var (in1, in2, filter) = TensorProductSpec.SimplifiedInputs(irrepsIn1, irrepsIn2, filterIrOut);
        var out_ = new List<MulIr>();
        var instructions = new List<Instruction>();
        for (var i1 = 0; i1 < in1.Length; i1++)
        {
            for (var i2 = 0; i2 < in2.Length; i2++)
            {
                foreach (var ir in in1[i1].Ir * in2[i2].Ir)
                {
                    if (filter is not null && !filter.Contains(ir)) continue;
                    instructions.Add(new Instruction(i1, i2, out_.Count, "uvuv", false));
                    out_.Add(new MulIr(in1[i1].Mul * in2[i2].Mul, ir));
                }
            }
        }
        return TensorProductSpec.Sorted(in1, in2, out_, instructions);
    }
}
