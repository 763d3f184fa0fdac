namespace E3Sharp.O3.Modules;

/// <summary>
/// One path of a <see cref="Linear"/> layer (e3nn's linear <c>Instruction</c>): input irrep <see cref="IIn"/> mixed
/// into output irrep <see cref="IOut"/> with a <c>mul_in × mul_out</c> weight block, or a bias (<see cref="IIn"/> = -1).
/// </summary>
/// <param name="IIn">Index into the input irreps, or -1 for a bias.</param>
/// <param name="IOut">Index into the output irreps.</param>
/// <param name="PathShape">Weight block shape: <c>(mul_in, mul_out)</c>, or <c>(mul_out · dim)</c> for a bias.</param>
/// <param name="PathWeight">Constant factor of the path (<c>alpha^-1/2</c> after normalisation; 1 for biases).</param>
public sealed record LinearInstruction(int IIn, int IOut, IReadOnlyList<int> PathShape, double PathWeight)
{
    /// <summary>Number of weights of the path (product of <see cref="PathShape"/>).</summary>
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
    public bool Equals(LinearInstruction? other) =>
        other is not null && IIn == other.IIn && IOut == other.IOut && PathWeight.Equals(other.PathWeight)
        && PathShape.SequenceEqual(other.PathShape);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = HashCode.Combine(IIn, IOut, PathWeight);
        foreach (var s in PathShape) hash = HashCode.Combine(hash, s);
        return hash;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Instruction(i_in={IIn}, i_out={IOut}, path_shape=({string.Join(", ", PathShape)}), path_weight={PathWeight:R})";
}
