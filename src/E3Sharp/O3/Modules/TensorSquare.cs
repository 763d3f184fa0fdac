using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Square tensor product <c>x ⊗ x</c> reduced to irreps (e3nn's <c>o3.TensorSquare</c>). Without
/// <c>irrepsOut</c> it has no weights and keeps only the independent products (modes <c>"uvuv"</c>,
/// <c>"uvu&lt;v"</c>, <c>"uuu"</c>; sorted output irreps); with <c>irrepsOut</c> it is fully connected (modes
/// <c>"uvw"</c>, <c>"u&lt;vw"</c>, <c>"uuw"</c>).
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class TensorSquare : TensorProduct
{
    /// <summary>Creates the tensor square.</summary>
    /// <param name="irrepsIn">Irreps of the input (simplified).</param>
    /// <param name="irrepsOut">Output irreps for the fully connected variant, or <c>null</c>.</param>
    /// <param name="filterIrOut">For the variant without weights: only these output irreps are produced.</param>
    /// <param name="irrepNormalization"><c>"component"</c> (default), <c>"norm"</c> or <c>"none"</c>.</param>
    /// <param name="internalWeights">Whether the module holds its weights (fully connected variant).</param>
    /// <param name="sharedWeights">Whether one weight vector serves the whole batch (default <c>true</c>).</param>
    /// <param name="dtype">Floating dtype of the weights and constants (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public TensorSquare(
        Irreps irrepsIn,
        Irreps? irrepsOut = null,
        IEnumerable<Irrep>? filterIrOut = null,
        string irrepNormalization = "component",
        bool? internalWeights = null,
        bool? sharedWeights = null,
        ScalarType? dtype = null,
        Device? device = null)
        : base(nameof(TensorSquare), MakeSpec(irrepsIn, irrepsOut, filterIrOut, irrepNormalization), "none",
            internalWeights, sharedWeights, dtype, device)
    {
        SetDescription($"{nameof(TensorSquare)}({IrrepsIn1} -> {IrrepsOut.Simplify()} | " +
                       $"{Instructions.Sum(i => i.PathNumel)} paths | {WeightNumel} weights)");
    }

    /// <summary>The irreps of <c>forward</c>'s tensor argument: <c>[IrrepsIn1]</c> (one input, squared).</summary>
    public override IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsIn1 };

    /// <summary>Evaluates <c>x ⊗ x</c> with the internal weights (with external weights call
    /// <c>forward(x, x, weight)</c>).</summary>
    /// <param name="x">Input, shape <c>[..., IrrepsIn1.Dim]</c>.</param>
    public Tensor forward(Tensor x) => forward(x, x, null);


    private static TensorProductSpec MakeSpec(Irreps irrepsIn, Irreps? irrepsOut, IEnumerable<Irrep>? filterIrOut,
        string irrepNormalization)
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        if (irrepNormalization is not ("component" or "norm" or "none"))
        {
            throw new ArgumentException(
                $"TensorSquare: irrepNormalization must be \"component\", \"norm\" or \"none\", got \"{irrepNormalization}\".",
                nameof(irrepNormalization));
        }
        var input = irrepsIn.Simplify();
        var filter = filterIrOut?.ToList();
        if (irrepsOut is not null && filter is not null)
        {
            throw new ArgumentException(
                "TensorSquare: both irrepsOut and filterIrOut are given, which is ambiguous.", nameof(filterIrOut));
        }
        return irrepsOut is null
            ? SpecFull(input, filter, irrepNormalization)
            : SpecFullyConnected(input, irrepsOut.Simplify(), irrepNormalization);
    }

    private static double Alpha(string normalization, Irrep ir1, Irrep ir2, Irrep irOut) => normalization switch
    {
        "component" => irOut.Dim,
        "norm" => ir1.Dim * ir2.Dim,
        _ => 1.0,
    };

    // Normalisation of the diagonal ("uuu"/"uuw") paths, which see x_u ⊗ x_u.
    private static double AlphaDiagonal(string normalization, Irrep ir1, Irrep irOut, double otherwise) =>
        normalization switch
        {
            "component" => irOut.L == 0 ? irOut.Dim / (double)(ir1.Dim + 2) : irOut.Dim / 2.0,
            "norm" => irOut.L == 0 ? irOut.Dim * (double)ir1.Dim : ir1.Dim * (ir1.Dim + 2) / 2.0,
            _ => otherwise,
        };

    private static TensorProductSpec SpecFull(Irreps input, List<Irrep>? filter, string normalization)
    {
        var out_ = new List<MulIr>();
        var instructions = new List<Instruction>();
        for (var i1 = 0; i1 < input.Length; i1++)
        {
            var (mul1, ir1) = input[i1];
            for (var i2 = 0; i2 < input.Length; i2++)
            {
                var (mul2, ir2) = input[i2];
                foreach (var irOut in ir1 * ir2)
                {
                    if (filter is not null && !filter.Contains(irOut)) continue;
                    var alpha = Alpha(normalization, ir1, ir2, irOut);
                    if (i1 < i2)
                    {
                        instructions.Add(new Instruction(i1, i2, out_.Count, "uvuv", false, alpha));
                        out_.Add(new MulIr(mul1 * mul2, irOut));
                    }
                    else if (i1 == i2)
                    {
                        if (mul1 > 1)
                        {
                            instructions.Add(new Instruction(i1, i1, out_.Count, "uvu<v", false, alpha));
                            out_.Add(new MulIr(mul1 * (mul1 - 1) / 2, irOut));
                        }
                        if (irOut.L % 2 == 0)
                        {
                            alpha = AlphaDiagonal(normalization, ir1, irOut, alpha);
                            instructions.Add(new Instruction(i1, i1, out_.Count, "uuu", false, alpha));
                            out_.Add(new MulIr(mul1, irOut));
                        }
                    }
                }
            }
        }
        return TensorProductSpec.Sorted(input, input, out_, instructions);
    }

    private static TensorProductSpec SpecFullyConnected(Irreps input, Irreps output, string normalization)
    {
        var instructions = new List<Instruction>();
        for (var i1 = 0; i1 < input.Length; i1++)
        {
            var (mul1, ir1) = input[i1];
            for (var i2 = 0; i2 < input.Length; i2++)
            {
                var ir2 = input[i2].Ir;
                var products = (ir1 * ir2).ToList();
                for (var o = 0; o < output.Length; o++)
                {
                    var irOut = output[o].Ir;
                    if (!products.Contains(irOut)) continue;
                    var alpha = Alpha(normalization, ir1, ir2, irOut);
                    if (i1 < i2)
                    {
                        instructions.Add(new Instruction(i1, i2, o, "uvw", true, alpha));
                    }
                    else if (i1 == i2)
                    {
                        if (mul1 > 1) instructions.Add(new Instruction(i1, i1, o, "u<vw", true, alpha));
                        if (irOut.L % 2 == 0)
                        {
                            alpha = AlphaDiagonal(normalization, ir1, irOut, alpha);
                            instructions.Add(new Instruction(i1, i1, o, "uuw", true, alpha));
                        }
                    }
                }
            }
        }
        return new TensorProductSpec(input, input, output, instructions);
    }
}
