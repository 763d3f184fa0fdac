namespace E3Sharp.Jit;

/// <summary>
/// A traced module whose <c>forward</c> treats the rows (dimension 0) of its batched arguments independently and
/// returns one tensor whose rows follow them. Its compiled form then evaluates large batches in chunks of
/// <see cref="BatchChunkRows"/> rows when autograd is off, so that the intermediates of one chunk stay in the
/// processor's cache (with autograd every chunk's intermediates are kept for the backward: no chunks then). Inputs
/// with several batch dimensions of the same sizes are flattened into rows first and get their batch dimensions back
/// after; small batches, and inputs whose batch dimensions differ (broadcast) or that have none, run in one piece.
/// </summary>
/// <remarks>
/// <para>The traced code becomes the method <c>forward_rows</c>; <c>forward</c> flattens row arguments of the same
/// batch shape with more than one batch dimension (<c>x.flatten(0, -2)</c>, then <c>unflatten(0, batch_sizes)</c> on
/// the result) and calls <c>forward_chunks</c>, which reads:</para>
/// <code>
/// def forward_chunks(self, x: Tensor, y: Tensor) -> Tensor:
///   x_chunks = [x]
///   y_chunks = [y]
///   if not torch.is_grad_enabled() and x.dim() == 2 and y.dim() == 2 and x.size(0) == y.size(0) and x.size(0) > 1024:
///     x_chunks = torch.split(x, 512, 0)
///     y_chunks = torch.split(y, 512, 0)
///   chunks : List[Tensor] = []
///   for i in range(len(x_chunks)):
///     chunks.append(self.forward_rows(x_chunks[i], y_chunks[i]))
///   if len(chunks) == 1:
///     return chunks[0]
///   return torch.cat(chunks, 0)
/// </code>
/// <para>When the traced code ends with <c>return torch.cat(parts, dim)</c> along a feature dimension, it becomes
/// <c>forward_rows_parts</c> (returning <c>parts</c>), and when autograd is off (<c>torch.is_grad_enabled()</c> false)
/// the chunks after the first concatenate straight into their rows of the result (<c>cat</c> with <c>out=</c>), which
/// is then written once. A module traced once per grad mode is chunked in its trace without autograd only.</para>
/// <para>The eager module is unchanged unless it chunks its own forward with <see cref="BatchChunks.Split"/>, which
/// applies the same rule; results agree with the eager module to floating-point rounding (each row is computed by the
/// same operations).</para>
/// </remarks>
public interface IBatchChunked
{
    /// <summary>Rows per chunk; zero or less turns chunking off. Batches of at most twice this many rows run in one
    /// piece.</summary>
    long BatchChunkRows { get; }

    /// <summary>Whether argument <paramref name="index"/> of <c>forward</c> holds the batch rows (it is split into
    /// chunks); the other arguments (shared weights, say) are passed whole to every chunk.</summary>
    /// <param name="index">The argument's position in <c>forward</c>.</param>
    bool IsRowArgument(int index) => true;
}
