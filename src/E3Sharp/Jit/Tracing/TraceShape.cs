using System.Collections;
using System.ComponentModel;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// The shape of a <see cref="TraceTensor"/> (what <c>x.shape</c> and <c>x.size()</c> are in a tracing twin): sizes
/// that follow a free input dimension are symbolic <see cref="SymInt"/>s. Indexing (<c>shape[0]</c>,
/// <c>shape[^1]</c>), ranges (<c>shape[..^1]</c>) and LINQ keep them symbolic; passing the whole shape where a
/// <c>long[]</c> is expected (an input check, a message) gives the traced values.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TraceShape : IReadOnlyList<SymInt>
{
    private readonly SymInt[] _dims;

    internal TraceShape(SymInt[] dims) => _dims = dims;

    /// <summary>The number of dimensions.</summary>
    public int Length => _dims.Length;

    /// <summary>The number of dimensions.</summary>
    public int Count => _dims.Length;

    /// <summary>The size of one dimension.</summary>
    /// <param name="index">The dimension.</param>
    public SymInt this[int index] => _dims[index];

    /// <summary>A range of dimensions (<c>shape[..^1]</c>).</summary>
    /// <param name="start">First dimension.</param>
    /// <param name="length">How many.</param>
    public TraceShape Slice(int start, int length) => new(_dims.AsSpan(start, length).ToArray());

    /// <summary>The sizes as symbolic ints.</summary>
    public SymInt[] ToArray() => (SymInt[])_dims.Clone();

    /// <summary>The traced sizes (symbolic sizes are taken at their traced values).</summary>
    /// <param name="shape">The shape.</param>
    public static implicit operator long[](TraceShape shape) => shape._dims.Select(d => d.Value).ToArray();

    /// <summary>The sizes as symbolic ints.</summary>
    /// <param name="shape">The shape.</param>
    public static implicit operator SymInt[](TraceShape shape) => shape.ToArray();

    /// <inheritdoc/>
    public IEnumerator<SymInt> GetEnumerator() => ((IEnumerable<SymInt>)_dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", _dims) + "]";
}
