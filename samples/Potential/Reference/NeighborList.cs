namespace E3Sharp.Samples.Potential.Reference;

/// <summary>
/// Builds the edge index NequIP-style models take: every ordered pair <c>(i, j)</c>, <c>i ≠ j</c>, with
/// <c>|r_j − r_i| &lt; cutoff</c>; row 0 holds the centre <c>i</c> (messages are summed there), row 1 the neighbour
/// <c>j</c>, and the edge vector is <c>r_j − r_i</c>. A cluster has no periodic images (a LAMMPS pair style passes its
/// ghost atoms as ordinary atoms, so the same convention serves periodic systems).
/// </summary>
public static class NeighborList
{
    /// <summary>The edge index <c>[2, E]</c> (row-major: first the E centres, then the E neighbours).</summary>
    /// <param name="positions">Positions <c>[N, 3]</c>.</param>
    /// <param name="cutoff">Cutoff radius (positive).</param>
    public static long[,] Build(double[,] positions, double cutoff)
    {
        ArgumentNullException.ThrowIfNull(positions);
        if (!(cutoff > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "NeighborList: the cutoff must be positive.");
        }

        var n = positions.GetLength(0);
        var c2 = cutoff * cutoff;
        var centres = new List<long>();
        var neighbours = new List<long>();
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                if (i == j)
                {
                    continue;
                }

                var dx = positions[j, 0] - positions[i, 0];
                var dy = positions[j, 1] - positions[i, 1];
                var dz = positions[j, 2] - positions[i, 2];
                if (dx * dx + dy * dy + dz * dz < c2)
                {
                    centres.Add(i);
                    neighbours.Add(j);
                }
            }
        }

        var result = new long[2, centres.Count];
        for (var e = 0; e < centres.Count; e++)
        {
            result[0, e] = centres[e];
            result[1, e] = neighbours[e];
        }

        return result;
    }
}
