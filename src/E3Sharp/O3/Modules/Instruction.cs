namespace E3Sharp.O3.Modules;

/// <summary>
/// One path of a <see cref="TensorProduct"/> (e3nn's instruction tuple
/// <c>(i_in1, i_in2, i_out, connection_mode, has_weight, path_weight)</c>).
/// </summary>
/// <param name="IIn1">Index of the irrep of the first input (into <c>irrepsIn1</c>).</param>
/// <param name="IIn2">Index of the irrep of the second input (into <c>irrepsIn2</c>).</param>
/// <param name="IOut">Index of the irrep of the output (into <c>irrepsOut</c>).</param>
/// <param name="ConnectionMode">How multiplicities connect: <c>"uvw"</c>, <c>"uvu"</c>, <c>"uvv"</c>, <c>"uuw"</c>,
/// <c>"uuu"</c>, <c>"uvuv"</c>, <c>"uvu&lt;v"</c> or <c>"u&lt;vw"</c>.</param>
/// <param name="HasWeight">Whether the path has learnable weights (of shape <see cref="PathShape"/>).</param>
/// <param name="PathWeight">A constant factor of the path. As given to the constructor it is the user's weight
/// (default 1); in <see cref="TensorProduct.Instructions"/> it is the final factor after normalisation (e3nn's
/// <c>sqrt(alpha)</c>).</param>
public sealed record Instruction(int IIn1, int IIn2, int IOut, string ConnectionMode, bool HasWeight, double PathWeight = 1.0)
{
    /// <summary>
    /// Shape of the path's weights (filled in by <see cref="TensorProduct"/>): <c>uvw: (m1, m2, mo)</c>,
    /// <c>uvu, uvv, uvuv: (m1, m2)</c>, <c>uuw: (m1, mo)</c>, <c>uuu: (m1)</c>, <c>uvu&lt;v: (m1 (m2 - 1) / 2)</c>,
    /// <c>u&lt;vw: (m1 (m2 - 1) / 2, mo)</c>. Empty until the instruction belongs to a tensor product.
    /// </summary>
    public IReadOnlyList<int> PathShape { get; init; } = Array.Empty<int>();

    /// <summary>Number of elements of <see cref="PathShape"/> (its product; 1 for an empty shape).</summary>
    public int PathNumel
    {
        get
        {
            var n = 1;
            foreach (var s in PathShape) n *= s;
            return n;
        }
    }

    /// <summary>Value equality, comparing <see cref="PathShape"/> element by element.</summary>
    /// <param name="other">The other instruction.</param>
    public bool Equals(Instruction? other) =>
        other is not null && IIn1 == other.IIn1 && IIn2 == other.IIn2 && IOut == other.IOut
        && ConnectionMode == other.ConnectionMode && HasWeight == other.HasWeight
        && PathWeight.Equals(other.PathWeight) && PathShape.SequenceEqual(other.PathShape);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = HashCode.Combine(IIn1, IIn2, IOut, ConnectionMode, HasWeight, PathWeight);
        foreach (var s in PathShape) hash = HashCode.Combine(hash, s);
        return hash;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Instruction(i_in1={IIn1}, i_in2={IIn2}, i_out={IOut}, connection_mode={ConnectionMode}, " +
        $"has_weight={HasWeight}, path_weight={PathWeight:R}, path_shape=({string.Join(", ", PathShape)}))";
}
