using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// e3nn's experimental full tensor product (<c>o3.experimental.FullTensorProductv2</c>): <c>z_{uv} = x_u ⊗ y_v</c>
/// for every pair of input irreps and every allowed output irrep, without weights, the output irreps sorted.
/// </summary>
/// <remarks>
/// <para>Unlike <see cref="FullTensorProduct"/>, the inputs are regrouped (sorted, then equal irreps merged) rather than
/// simplified, unless <c>regroupOutput</c> is <c>false</c>, in which case they are kept exactly as given. The inputs are
/// read in the layout of <see cref="TensorProduct.IrrepsIn1"/> / <see cref="TensorProduct.IrrepsIn2"/>: with
/// regrouping, e3nn does not permute the input, it reads it as the regrouped irreps, and so does this module.</para>
/// <para>Each path is <c>sqrt(dim_out) · C</c> (<c>"component"</c>) or <c>sqrt(dim_1 dim_2) · C</c> (<c>"norm"</c>),
/// <c>C</c> the Wigner 3j symbol, in e3nn's output layout <c>[..., u, v, k]</c>. e3nn keys its paths by the irreps
/// involved, so with <c>regroupOutput: false</c> and a repeated input irrep its forward fails (IndexError); here each
/// entry is its own path.</para>
/// </remarks>
/// <example>
/// <code>
/// var tp = new FullTensorProductv2("1x1o + 2x0e + 1x1o", "1x0e + 1x2e");   // IrrepsIn1: 2x0e+2x1o
/// var z = tp.call(x, y);
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class FullTensorProductv2 : TensorProduct
{
    /// <summary>Creates the tensor product.</summary>
    /// <param name="irrepsIn1">Irreps of the first input (regrouped unless <paramref name="regroupOutput"/> is false).</param>
    /// <param name="irrepsIn2">Irreps of the second input (regrouped unless <paramref name="regroupOutput"/> is false).</param>
    /// <param name="filterIrOut">If given, only these output irreps are produced.</param>
    /// <param name="irrepNormalization"><c>"component"</c> (default) or <c>"norm"</c>.</param>
    /// <param name="regroupOutput">Whether to regroup the inputs' irreps (e3nn's <c>regroup_output</c>, default true).</param>
    /// <param name="dtype">Floating dtype of the constants (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public FullTensorProductv2(Irreps irrepsIn1, Irreps irrepsIn2, IEnumerable<Irrep>? filterIrOut = null,
        string irrepNormalization = "component", bool regroupOutput = true, ScalarType? dtype = null, Device? device = null)
        : base(nameof(FullTensorProductv2), MakeSpec(irrepsIn1, irrepsIn2, filterIrOut, irrepNormalization, regroupOutput),
            irrepNormalization, null, null, dtype, device)
    {
        RegroupOutput = regroupOutput;
    }

    /// <summary>Whether the inputs' irreps were regrouped (e3nn's <c>regroup_output</c>).</summary>
    public bool RegroupOutput { get; }

    private static TensorProductSpec MakeSpec(Irreps irrepsIn1, Irreps irrepsIn2, IEnumerable<Irrep>? filterIrOut,
        string irrepNormalization, bool regroup)
    {
        ArgumentNullException.ThrowIfNull(irrepsIn1);
        ArgumentNullException.ThrowIfNull(irrepsIn2);
        V2Checks.Normalization(nameof(FullTensorProductv2), irrepsIn1, irrepsIn2, irrepNormalization);
        var in1 = regroup ? irrepsIn1.Regroup() : irrepsIn1;
        var in2 = regroup ? irrepsIn2.Regroup() : irrepsIn2;
        var filter = filterIrOut?.ToList();
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
