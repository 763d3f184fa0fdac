using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// e3nn's experimental elementwise tensor product (<c>o3.experimental.ElementwiseTensorProductv2</c>):
/// <c>z_u = x_u ⊗ y_u</c> for the u-th irrep copy of each input, without weights, the output irreps sorted.
/// </summary>
/// <remarks>
/// Both inputs must have the same number of irrep copies. Unlike <see cref="ElementwiseTensorProduct"/>, the inputs
/// are not simplified: they are aligned as given (an entry whose multiplicity exceeds the other input's is split), and
/// the output irreps are sorted (stably, equal irreps not merged). Paths are normalised as
/// <see cref="FullTensorProductv2"/>'s. e3nn keys its paths by the irreps involved, so when two aligned pairs have the
/// same irreps its forward fails (IndexError); here each aligned pair is its own path.
/// </remarks>
[CompileMode(JitMode.Trace)]
public partial class ElementwiseTensorProductv2 : TensorProduct
{
    /// <summary>Creates the tensor product.</summary>
    /// <param name="irrepsIn1">Irreps of the first input.</param>
    /// <param name="irrepsIn2">Irreps of the second input; the same number of irreps as the first.</param>
    /// <param name="filterIrOut">If given, only these output irreps are produced.</param>
    /// <param name="irrepNormalization"><c>"component"</c> (default) or <c>"norm"</c>.</param>
    /// <param name="dtype">Floating dtype of the constants (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public ElementwiseTensorProductv2(Irreps irrepsIn1, Irreps irrepsIn2, IEnumerable<Irrep>? filterIrOut = null,
        string irrepNormalization = "component", ScalarType? dtype = null, Device? device = null)
        : base(nameof(ElementwiseTensorProductv2), MakeSpec(irrepsIn1, irrepsIn2, filterIrOut, irrepNormalization),
            irrepNormalization, null, null, dtype, device)
    {
    }

    private static TensorProductSpec MakeSpec(Irreps irrepsIn1, Irreps irrepsIn2, IEnumerable<Irrep>? filterIrOut,
        string irrepNormalization)
    {
        ArgumentNullException.ThrowIfNull(irrepsIn1);
        ArgumentNullException.ThrowIfNull(irrepsIn2);
        V2Checks.Normalization(nameof(ElementwiseTensorProductv2), irrepsIn1, irrepsIn2, irrepNormalization);
        if (irrepsIn1.NumIrreps != irrepsIn2.NumIrreps)
        {
            throw new ArgumentException(
                $"ElementwiseTensorProductv2({irrepsIn1} x {irrepsIn2}): both inputs must have the same number of " +
                $"irreps, got {irrepsIn1.NumIrreps} and {irrepsIn2.NumIrreps}.", nameof(irrepsIn2));
        }
        var l1 = irrepsIn1.ToList();
        var l2 = irrepsIn2.ToList();
        // e3nn's _align_two_irreps: walk both lists, splitting the entry with the larger multiplicity.
        for (var i = 0; i < Math.Min(l1.Count, l2.Count); i++)
        {
            var (mul1, ir1) = l1[i];
            var (mul2, ir2) = l2[i];
            if (mul1 < mul2)
            {
                l2[i] = new MulIr(mul1, ir2);
                l2.Insert(i + 1, new MulIr(mul2 - mul1, ir2));
            }
            if (mul2 < mul1)
            {
                l1[i] = new MulIr(mul2, ir1);
                l1.Insert(i + 1, new MulIr(mul1 - mul2, ir1));
            }
        }
        var filter = filterIrOut?.ToList();
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
        return TensorProductSpec.Sorted(new Irreps(l1), new Irreps(l2), out_, instructions);
    }
}
