using System.ComponentModel;
using E3Sharp.Jit.Tracing;

namespace E3Sharp;

public static partial class GraphOps
{
    /// <summary>
    /// The tracing twin of <see cref="Scatter"/> for a size read from a traced tensor (<c>x.shape[0]</c>): it stays
    /// symbolic in the trace, where the generated twin (a <c>long</c> size) would fix it to the traced value. A call
    /// with a <c>SymInt</c> picks this overload.
    /// </summary>
    /// <param name="src">Values <c>[E, ...]</c>.</param>
    /// <param name="index">int64 <c>[E]</c>.</param>
    /// <param name="dimSize">Number of output rows.</param>
    /// <param name="reduce"><c>"sum"</c>, <c>"mean"</c> or <c>"max"</c>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static TraceTensor __trace_Scatter(TraceTensor src, TraceTensor index, SymInt dimSize, string reduce = "sum")
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(index);
        CheckScatter(src.shape, index.shape, index.dtype, dimSize.Value, reduce);
        return __trace_ScatterInto(__trace_ZerosLike(src, src.new_zeros(new[] { dimSize })), src, index, reduce);
    }
}
