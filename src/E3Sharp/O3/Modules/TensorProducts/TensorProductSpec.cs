namespace E3Sharp.O3.Modules;

/// <summary>The irreps and instructions a <see cref="TensorProduct"/> subclass computes before construction.</summary>
/// <param name="In1">Irreps of the first input.</param>
/// <param name="In2">Irreps of the second input.</param>
/// <param name="Out">Irreps of the output.</param>
/// <param name="Instructions">The paths.</param>
internal sealed record TensorProductSpec(Irreps In1, Irreps In2, Irreps Out, IReadOnlyList<Instruction> Instructions)
{
    /// <summary>The inputs of the products without weights (e3nn simplifies them), and the output filter.</summary>
    public static (Irreps In1, Irreps In2, List<Irrep>? Filter) SimplifiedInputs(Irreps irrepsIn1, Irreps irrepsIn2,
        IEnumerable<Irrep>? filterIrOut)
    {
        ArgumentNullException.ThrowIfNull(irrepsIn1);
        ArgumentNullException.ThrowIfNull(irrepsIn2);
        return (irrepsIn1.Simplify(), irrepsIn2.Simplify(), filterIrOut?.ToList());
    }

    /// <summary>
    /// The spec of paths written against unsorted outputs (instruction i_out indexes <paramref name="out_"/>): e3nn
    /// sorts the output irreps stably, without merging equal ones, and renumbers the paths' outputs.
    /// </summary>
    public static TensorProductSpec Sorted(Irreps in1, Irreps in2, List<MulIr> out_, List<Instruction> instructions)
    {
        var sorted = new Irreps(out_).Sort();
        var permuted = instructions.Select(i => i with { IOut = sorted.P[i.IOut] }).ToList();
        return new TensorProductSpec(in1, in2, sorted.Irreps, permuted);
    }

    /// <summary>
    /// The convolution product of e3nn's point models and NequIP: one weighted "uvu" path for each input irrep, edge
    /// irrep and output irrep of their product that <paramref name="keep"/> accepts, each into its own output
    /// <c>mul_in1 × ir_out</c>, then sorted (<see cref="Sorted"/>).
    /// </summary>
    public static TensorProductSpec ChannelWise(Irreps in1, Irreps in2, Func<Irrep, bool> keep)
    {
        var out_ = new List<MulIr>();
        var instructions = new List<Instruction>();
        for (var i = 0; i < in1.Length; i++)
        {
            for (var j = 0; j < in2.Length; j++)
            {
                foreach (var irOut in in1[i].Ir * in2[j].Ir)
                {
                    if (keep(irOut))
                    {
                        instructions.Add(new Instruction(i, j, out_.Count, "uvu", true));
                        out_.Add(new MulIr(in1[i].Mul, irOut));
                    }
                }
            }
        }
        return Sorted(in1, in2, out_, instructions);
    }
}
