using E3Sharp.Jit.Tracing;
using TorchSharp;

namespace E3Sharp.Jit;

/// <summary>
/// Tensor operations that TorchSharp lacks in the form traced code needs. TorchSharp's <c>unflatten</c> rejects a
/// negative dimension, so a module that splits its last dimension writes <c>x.unflatten(x.dim() - 1, ...)</c>, and a
/// trace then records the example's rank (<c>unflatten(x, 1, ...)</c> fails on 3-D inputs). With a dimension counted
/// from the end (<c>x.unflatten(^1, a, b)</c>) the eager code does the same and the trace records <c>-1</c>, so the
/// compiled module accepts inputs of any rank, as LibTorch's own <c>unflatten</c> does.
/// </summary>
/// <example>
/// <code>
/// var xc = x.unflatten(^1, 9, 32);   // [..., 288] -> [..., 9, 32], traced as torch.unflatten(x, -1, [9, 32])
/// </code>
/// </example>
public static class TensorExtensions
{
    /// <summary>Splits dimension <paramref name="dim"/> (which may count from the end: <c>^1</c> is the last) into
    /// <paramref name="sizes"/>.</summary>
    /// <param name="input">The tensor.</param>
    /// <param name="dim">The dimension; <c>^k</c> counts from the end.</param>
    /// <param name="sizes">The new sizes (one may be -1); their product must be the dimension's size.</param>
    /// <returns>A view of <paramref name="input"/> with the dimension split.</returns>
    public static torch.Tensor unflatten(this torch.Tensor input, Index dim, params long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(input);
        var rank = input.dim();
        var d = dim.IsFromEnd ? rank - dim.Value : dim.Value;
        if (d < 0 || d >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(dim),
                $"unflatten: dimension {dim} does not exist in a tensor with {rank} dimensions.");
        }

        return input.unflatten(d, sizes);
    }

    /// <summary>The tracing twin's <c>unflatten(^k, ...)</c>: records the dimension negative (<c>-k</c>), so the
    /// traced code does not depend on the example's rank. (Extension methods, like the eager one, so that an
    /// <c>int</c> dimension keeps binding to <see cref="TraceTensor"/>'s own <c>long</c> overloads.)</summary>
    /// <param name="input">The traced tensor.</param>
    /// <param name="dim">The dimension; <c>^k</c> counts from the end.</param>
    /// <param name="sizes">The new sizes.</param>
    /// <returns>The traced result.</returns>
    public static TraceTensor unflatten(this TraceTensor input, Index dim, long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.UnflattenAt(dim, sizes);
    }

    /// <summary>As above, with sizes that may follow the batch (<c>x.size(0)</c> stays symbolic).</summary>
    /// <param name="input">The traced tensor.</param>
    /// <param name="dim">The dimension; <c>^k</c> counts from the end.</param>
    /// <param name="sizes">The new sizes (one may be -1).</param>
    /// <returns>The traced result.</returns>
    public static TraceTensor unflatten(this TraceTensor input, Index dim, params SymInt[] sizes)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.UnflattenAt(dim, sizes);
    }

    /// <summary>
    /// <c>input.matmul(other)</c> after checking that LibTorch will accept the operands. TorchSharp 0.107's
    /// <c>matmul</c> (unlike <c>mm</c>, <c>bmm</c>, <c>einsum</c>) lets LibTorch's C++ exception escape, which aborts
    /// the process; this throws <see cref="ArgumentException"/> instead for shapes that cannot be multiplied (inner
    /// dimensions, batch dimensions that do not broadcast, zero-dimensional operands), different dtypes or devices.
    /// </summary>
    /// <param name="input">The left operand.</param>
    /// <param name="other">The right operand.</param>
    /// <returns>The matrix product.</returns>
    public static torch.Tensor checked_matmul(this torch.Tensor input, torch.Tensor other)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(other);
        if (MatmulProblem(input, other) is { } problem)
        {
            throw new ArgumentException(
                $"matmul: operands of shape [{string.Join(", ", input.shape)}] ({input.dtype}, {input.device}) and " +
                $"[{string.Join(", ", other.shape)}] ({other.dtype}, {other.device}) cannot be multiplied: {problem}.");
        }

        return input.matmul(other);
    }

    /// <summary>Why LibTorch's matmul would refuse the operands, or null.</summary>
    internal static string? MatmulProblem(torch.Tensor a, torch.Tensor b)
    {
        var sa = a.shape;
        var sb = b.shape;
        if (sa.Length == 0 || sb.Length == 0)
        {
            return "both operands need at least one dimension";
        }

        if (a.dtype != b.dtype)
        {
            return "the dtypes differ";
        }

        if (a.device.type != b.device.type || a.device.index != b.device.index)
        {
            return "the devices differ";
        }

        if (sa[^1] != (sb.Length == 1 ? sb[0] : sb[^2]))
        {
            return "the inner dimensions differ";
        }

        for (int i = sa.Length - 3, j = sb.Length - 3; i >= 0 && j >= 0; i--, j--)
        {
            if (sa[i] != sb[j] && sa[i] != 1 && sb[j] != 1)
            {
                return "the batch dimensions do not broadcast";
            }
        }

        return null;
    }
}
