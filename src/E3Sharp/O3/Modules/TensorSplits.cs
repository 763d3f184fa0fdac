using TorchSharp;

namespace E3Sharp.O3.Modules;

/// <summary>Splitting a module's operand into its blocks along the last dimension.</summary>
[E3Sharp.Jit.Traceable]
internal static partial class TensorSplits
{
    /// <summary>
    /// The blocks of <paramref name="t"/> of the given sizes along its last dimension: one split, whose backward is one
    /// concatenation (a narrow per block would add a zero-padded copy of the whole tensor per block in the backward);
    /// the tensor itself when there is one block.
    /// </summary>
    public static torch.Tensor[] SplitLast(this torch.Tensor t, long[] sizes) =>
        sizes.Length == 1 ? new[] { t } : t.split(sizes, -1);
}
