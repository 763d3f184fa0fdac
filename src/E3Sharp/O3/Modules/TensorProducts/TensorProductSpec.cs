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
}
