using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Elementwise tensor product (e3nn's <c>o3.ElementwiseTensorProduct</c>): <c>z_u = x_u ⊗ y_u</c> for the u-th irrep
/// copy of each input, without weights (mode <c>"uuu"</c>). Both inputs must have the same number of irrep copies;
/// their multiplicities are split so that copies align.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class ElementwiseTensorProduct : TensorProduct
{
    /// <summary>Creates the elementwise tensor product.</summary>
    /// <param name="irrepsIn1">Irreps of the first input (simplified).</param>
    /// <param name="irrepsIn2">Irreps of the second input (simplified); same number of irreps as the first.</param>
    /// <param name="filterIrOut">If given, only these output irreps are produced.</param>
    /// <param name="irrepNormalization"><c>"component"</c> (default), <c>"norm"</c> or <c>"none"</c>.</param>
    /// <param name="dtype">Floating dtype of the constants (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public ElementwiseTensorProduct(Irreps irrepsIn1, Irreps irrepsIn2, IEnumerable<Irrep>? filterIrOut = null,
        string irrepNormalization = "component", ScalarType? dtype = null, Device? device = null)
        : base(nameof(ElementwiseTensorProduct), MakeSpec(irrepsIn1, irrepsIn2, filterIrOut), irrepNormalization, null, null, dtype, device)
    {
    }

    private static TensorProductSpec MakeSpec(Irreps irrepsIn1, Irreps irrepsIn2, IEnumerable<Irrep>? filterIrOut)
    {
        var (in1, in2, filter) = TensorProductSpec.SimplifiedInputs(irrepsIn1, irrepsIn2, filterIrOut);
        if (in1.NumIrreps != in2.NumIrreps)
        {
            throw new ArgumentException(
                $"ElementwiseTensorProduct: both inputs must have the same number of irreps, but {in1} has " +
                $"{in1.NumIrreps} and {in2} has {in2.NumIrreps}.", nameof(irrepsIn2));
        }
        var l1 = in1.ToList();
        var l2 = in2.ToList();
        for (var i = 0; i < l1.Count; i++)
        {
            var (mul1, ir1) = l1[i];
            var (mul2, ir2) = l2[i];
            if (mul1 < mul2)
            {
                l2[i] = new MulIr(mul1, ir2);
                l2.Insert(i + 1, new MulIr(mul2 - mul1, ir2));
            }
            else if (mul2 < mul1)
            {
                l1[i] = new MulIr(mul2, ir1);
                l1.Insert(i + 1, new MulIr(mul1 - mul2, ir1));
            }
        }
        var out_ = new List<MulIr>();
        var instructions = new List<Instruction>();
        for (var i = 0; i < l1.Count; i++)
        {
            var (mul, ir1) = l1[i];
            foreach (var ir in ir1 * l2[i].Ir)
            {
                if (filter is not null && !filter.Contains(ir)) continue;
                instructions.Add(new Instruction(i, i, out_.Count, "uuu", false));
                out_.Add(new MulIr(mul, ir));
            }
        }
        return new TensorProductSpec(new Irreps(l1), new Irreps(l2), new Irreps(out_), instructions);
    }
}
