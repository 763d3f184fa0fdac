namespace E3Sharp.Samples.Potential.Reference;

/// <summary>Edges of a neighbour list with their periodic image shifts.</summary>
/// <param name="EdgeIndex">Edge index <c>[2, E]</c>: row 0 centre i, row 1 neighbour j.</param>
/// <param name="CellShifts">Integer image shift of each edge <c>[E, 3]</c>: the edge vector is
/// <c>pos[j] − pos[i] + shift · cell</c>.</param>
public sealed record Edges(long[,] EdgeIndex, int[,] CellShifts)
{
    /// <summary>Number of edges.</summary>
    public int Count => EdgeIndex.GetLength(1);
}

/// <summary>
/// Builds the edge index NequIP-style models take: every ordered pair <c>(i, j)</c> with <c>|r_j − r_i + S·cell| &lt;
/// cutoff</c> and not the atom with itself (<c>S = 0</c>); row 0 holds the centre <c>i</c> (messages are summed there),
/// row 1 the neighbour <c>j</c>. In a periodic cell an atom can neighbour another, or itself, through several images:
/// each image is its own edge (any triclinic cell, cutoffs larger than half the cell included).
/// </summary>
public static class NeighborList
{
    /// <summary>The edge index <c>[2, E]</c> of a cluster (no periodic images).</summary>
    /// <param name="positions">Positions <c>[N, 3]</c>.</param>
    /// <param name="cutoff">Cutoff radius (positive).</param>
    public static long[,] Build(double[,] positions, double cutoff) =>
        Build(positions, null, new bool[3], cutoff).EdgeIndex;

    /// <summary>The edges of a configuration (periodic along its <see cref="Configuration.Pbc"/> directions).</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="cutoff">Cutoff radius (positive).</param>
    public static Edges Build(Configuration configuration, double cutoff)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Build(configuration.Positions, configuration.Cell, configuration.Pbc, cutoff);
    }

    /// <summary>The edges with their image shifts.</summary>
    /// <param name="positions">Positions <c>[N, 3]</c> (need not lie inside the cell).</param>
    /// <param name="cell">Cell <c>[3, 3]</c>, rows are lattice vectors (null: no periodicity).</param>
    /// <param name="pbc">Periodicity along each lattice vector.</param>
    /// <param name="cutoff">Cutoff radius (positive).</param>
    public static Edges Build(double[,] positions, double[,]? cell, bool[] pbc, double cutoff)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(pbc);
        if (!(cutoff > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "NeighborList: the cutoff must be positive.");
        }

        if (positions.GetLength(1) != 3 || pbc.Length != 3)
        {
            throw new ArgumentException("NeighborList: positions must be [N, 3] and pbc must have 3 entries.");
        }

        var n = positions.GetLength(0);
        var periodic = cell is not null && pbc.Any(p => p);
        var wrapped = (double[,])positions.Clone();
        var offset = new int[n, 3];
        var images = new int[3];
        if (periodic)
        {
            // Wrap fractional coordinates into [0, 1) along periodic directions so that a fixed image range suffices;
            // the shifts are mapped back to the positions as given.
            var inv = Inverse(cell!);
            for (var i = 0; i < n; i++)
            {
                for (var k = 0; k < 3; k++)
                {
                    if (!pbc[k])
                    {
                        continue;
                    }

                    var frac = positions[i, 0] * inv[0, k] + positions[i, 1] * inv[1, k] + positions[i, 2] * inv[2, k];
                    var o = (int)Math.Floor(frac);
                    offset[i, k] = o;
                    for (var d = 0; d < 3; d++)
                    {
                        wrapped[i, d] -= o * cell![k, d];
                    }
                }
            }

            // Planes of lattice direction k are 1/|b_k| apart (b_k = column k of the inverse): images up to
            // ceil(cutoff |b_k|) away, plus one because two wrapped atoms can be almost a cell apart.
            for (var k = 0; k < 3; k++)
            {
                if (pbc[k])
                {
                    var b = Math.Sqrt(inv[0, k] * inv[0, k] + inv[1, k] * inv[1, k] + inv[2, k] * inv[2, k]);
                    images[k] = (int)Math.Ceiling(cutoff * b) + 1;
                }
            }
        }

        var c2 = cutoff * cutoff;
        var centres = new List<long>();
        var neighbours = new List<long>();
        var shifts = new List<(int, int, int)>();
        for (var s0 = -images[0]; s0 <= images[0]; s0++)
        {
            for (var s1 = -images[1]; s1 <= images[1]; s1++)
            {
                for (var s2 = -images[2]; s2 <= images[2]; s2++)
                {
                    double tx = 0, ty = 0, tz = 0;
                    if (periodic)
                    {
                        tx = s0 * cell![0, 0] + s1 * cell[1, 0] + s2 * cell[2, 0];
                        ty = s0 * cell[0, 1] + s1 * cell[1, 1] + s2 * cell[2, 1];
                        tz = s0 * cell[0, 2] + s1 * cell[1, 2] + s2 * cell[2, 2];
                    }

                    var self = s0 == 0 && s1 == 0 && s2 == 0;
                    for (var i = 0; i < n; i++)
                    {
                        for (var j = 0; j < n; j++)
                        {
                            if (self && i == j)
                            {
                                continue;
                            }

                            var dx = wrapped[j, 0] - wrapped[i, 0] + tx;
                            var dy = wrapped[j, 1] - wrapped[i, 1] + ty;
                            var dz = wrapped[j, 2] - wrapped[i, 2] + tz;
                            if (dx * dx + dy * dy + dz * dz < c2)
                            {
                                centres.Add(i);
                                neighbours.Add(j);
                                // pos_j = wrapped_j + o_j · cell, so the shift for the given positions is S − o_j + o_i.
                                shifts.Add((s0 - offset[j, 0] + offset[i, 0], s1 - offset[j, 1] + offset[i, 1],
                                    s2 - offset[j, 2] + offset[i, 2]));
                            }
                        }
                    }
                }
            }
        }

        // Sort by centre (then neighbour) so that the list reads like LAMMPS' and is independent of the image loop.
        var order = Enumerable.Range(0, centres.Count).OrderBy(e => centres[e]).ThenBy(e => neighbours[e]).ToArray();
        var index = new long[2, order.Length];
        var cellShifts = new int[order.Length, 3];
        for (var e = 0; e < order.Length; e++)
        {
            var o = order[e];
            index[0, e] = centres[o];
            index[1, e] = neighbours[o];
            (cellShifts[e, 0], cellShifts[e, 1], cellShifts[e, 2]) = shifts[o];
        }

        return new Edges(index, cellShifts);
    }

    /// <summary>Inverse of a 3×3 matrix (throws for a singular cell).</summary>
    /// <param name="m">The matrix.</param>
    public static double[,] Inverse(double[,] m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var det = m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) -
                  m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0]) +
                  m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        if (Math.Abs(det) < 1e-12)
        {
            throw new ArgumentException($"NeighborList: the cell is singular (determinant {det}).", nameof(m));
        }

        var r = new double[3, 3];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                // Cofactor of (j, i) over the determinant.
                int a0 = (j + 1) % 3, a1 = (j + 2) % 3, b0 = (i + 1) % 3, b1 = (i + 2) % 3;
                r[i, j] = (m[a0, b0] * m[a1, b1] - m[a0, b1] * m[a1, b0]) / det;
            }
        }

        return r;
    }
}
