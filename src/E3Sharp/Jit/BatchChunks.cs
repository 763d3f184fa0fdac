using TorchSharp;

namespace E3Sharp.Jit;

/// <summary>
/// The eager side of <see cref="IBatchChunked"/>: the rule the compiled <c>forward</c> applies (<see cref="ChunkRule"/>,
/// which <c>Tracing/BatchChunking.cs</c> writes as TorchScript), for a module that chunks its eager forward too, so
/// that eager and compiled runs agree on when a batch is split.
/// </summary>
/// <example>
/// <code>
/// if (BatchChunks.Split(this, x, y) is { } chunks)
/// {
///     var result = torch.cat(chunks.Select(c => Compute(c[0], c[1])).ToList(), 0);
///     return x.dim() > 2 ? result.unflatten(0, x.shape[..^1]) : result;
/// }
/// return Compute(x, y);
/// </code>
/// </example>
[Traceable]
public static partial class BatchChunks
{
    /// <summary>
    /// The arguments of each chunk when <paramref name="module"/>'s compiled forward would split this call, by the
    /// compiled wrapper's rule: row arguments (<see cref="IBatchChunked.IsRowArgument"/>) with several batch dimensions,
    /// all of the same sizes, are first flattened into rows (<c>[B, N, f]</c> to <c>[B·N, f]</c>); then, when autograd
    /// is off (<see cref="TorchScript.GradEnabled"/>), every row argument two-dimensional, all with the same number of rows, more than twice
    /// <see cref="IBatchChunked.BatchChunkRows"/>: row arguments are split along dimension 0, the others passed whole.
    /// The caller concatenates the chunks' results along dimension 0 and, when the first row argument had several
    /// batch dimensions, gives the result those back (<c>unflatten(0, ...)</c>). Null when the call runs in one piece,
    /// and always while a trace runs (the compiled wrapper does the chunking there).
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="args">The arguments of its <c>forward</c>, in order.</param>
    /// <returns>One argument array per chunk, or null.</returns>
    public static torch.Tensor[][]? Split(IBatchChunked module, params torch.Tensor[] args)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(args);
        var rows = module.BatchChunkRows;
        var rowArgs = Enumerable.Range(0, args.Length).Where(module.IsRowArgument).ToArray();
        if (TorchScript.IsTracing || rows <= 0 || rowArgs.Length == 0)
        {
            return null;
        }

        var grad = TorchScript.GradEnabled;
        ChunkRule.Eager Facts() => new(rowArgs.Select(i => (long[])args[i].shape).ToArray(), grad);
        if (ChunkRule.FlattensBatch(Facts(), rowArgs.Length))
        {
            args = args.Select((a, i) => rowArgs.Contains(i) ? a.flatten(0, -2) : a).ToArray();
        }

        // Batch dimensions that differ (broadcast) leave the first row argument above two dimensions: one piece.
        if (!ChunkRule.Splits(Facts(), rowArgs.Length, rows))
        {
            return null;
        }

        var pieces = args.Select((a, i) => module.IsRowArgument(i) ? a.split(rows, 0) : null).ToArray();
        var count = pieces[rowArgs[0]]!.Length;
        return Enumerable.Range(0, count)
            .Select(c => args.Select((a, i) => pieces[i] is { } p ? p[c] : a).ToArray())
            .ToArray();
    }
}
