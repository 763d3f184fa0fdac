namespace E3Sharp.O3.Modules;

/// <summary>What the two e3nn v2 tensor products share: their normalisation options and the sorted output.</summary>
internal static class V2Checks
{
    public static void Normalization(string module, Irreps in1, Irreps in2, string irrepNormalization)
    {
        if (irrepNormalization is not ("component" or "norm"))
        {
            throw new ArgumentException($"{module}({in1} x {in2}): irrepNormalization must be \"component\" or \"norm\" " +
                $"(as e3nn's), got \"{irrepNormalization}\".", nameof(irrepNormalization));
        }
    }

    // e3nn sorts the output irreps (stably, without merging equal ones) and concatenates the paths in that order.
    public static TensorProductSpec SortedSpec(Irreps in1, Irreps in2, List<MulIr> out_, List<Instruction> instructions)
    {
        var sorted = new Irreps(out_).Sort();
        var permuted = instructions.Select(i => i with { IOut = sorted.P[i.IOut] }).ToList();
        return new TensorProductSpec(in1, in2, sorted.Irreps, permuted);
    }
}
