using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Fully connected weighted tensor product (e3nn's <c>o3.FullyConnectedTensorProduct</c>): every path
/// <c>(i1, i2, iOut)</c> with <c>irrepsOut[iOut]</c> in <c>irrepsIn1[i1] ⊗ irrepsIn2[i2]</c>, mode <c>"uvw"</c>, weighted.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class FullyConnectedTensorProduct : TensorProduct
{
    /// <summary>Creates the fully connected tensor product.</summary>
    /// <param name="irrepsIn1">Irreps of the first input.</param>
    /// <param name="irrepsIn2">Irreps of the second input.</param>
    /// <param name="irrepsOut">Irreps of the output.</param>
    /// <param name="irrepNormalization"><c>"component"</c> (default), <c>"norm"</c> or <c>"none"</c>.</param>
    /// <param name="pathNormalization"><c>"element"</c> (default), <c>"path"</c> or <c>"none"</c>.</param>
    /// <param name="internalWeights">Whether the module holds its weights (default: when shared).</param>
    /// <param name="sharedWeights">Whether one weight vector serves the whole batch (default <c>true</c>).</param>
    /// <param name="in1Var">Variance of each irrep of the first input (default all 1).</param>
    /// <param name="in2Var">Variance of each irrep of the second input (default all 1).</param>
    /// <param name="outVar">Wanted variance of each output irrep (default all 1).</param>
    /// <param name="dtype">Floating dtype of the weights and constants (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public FullyConnectedTensorProduct(
        Irreps irrepsIn1,
        Irreps irrepsIn2,
        Irreps irrepsOut,
        string irrepNormalization = "component",
        string pathNormalization = "element",
        bool? internalWeights = null,
        bool? sharedWeights = null,
        IReadOnlyList<double>? in1Var = null,
        IReadOnlyList<double>? in2Var = null,
        IReadOnlyList<double>? outVar = null,
        ScalarType? dtype = null,
        Device? device = null)
        : base(nameof(FullyConnectedTensorProduct), irrepsIn1, irrepsIn2, irrepsOut,
            MakeInstructions(irrepsIn1, irrepsIn2, irrepsOut), in1Var, in2Var, outVar, irrepNormalization,
            pathNormalization, internalWeights, sharedWeights, dtype, device)
    {
    }

    private static List<Instruction> MakeInstructions(Irreps in1, Irreps in2, Irreps out_)
    {
        ArgumentNullException.ThrowIfNull(in1);
        ArgumentNullException.ThrowIfNull(in2);
        ArgumentNullException.ThrowIfNull(out_);
        var result = new List<Instruction>();
        for (var i1 = 0; i1 < in1.Length; i1++)
        {
            for (var i2 = 0; i2 < in2.Length; i2++)
            {
                var products = (in1[i1].Ir * in2[i2].Ir).ToList();
                for (var o = 0; o < out_.Length; o++)
                {
                    if (products.Contains(out_[o].Ir)) result.Add(new Instruction(i1, i2, o, "uvw", true, 1.0));
                }
            }
        }
        return result;
    }
}
