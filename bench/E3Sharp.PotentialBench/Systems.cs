using E3Sharp.Samples.Potential.Reference;

namespace E3Sharp.PotentialBench;

/// <summary>A named input of the benchmark: one configuration, or several batched into one graph (training).</summary>
/// <param name="Name">Label, e.g. <c>cell-512</c>.</param>
/// <param name="Frames">The configurations.</param>
public sealed record BenchSystem(string Name, IReadOnlyList<Configuration> Frames)
{
    /// <summary>Total number of atoms.</summary>
    public int Atoms => Frames.Sum(f => f.Count);
}

/// <summary>The benchmark's copper systems: periodic fcc supercells and spherical fcc clusters.</summary>
public static class Systems
{
    /// <summary>Lattice constant of fcc copper (Å).</summary>
    public const double LatticeConstant = 3.61;

    private static readonly (double X, double Y, double Z)[] Basis =
        { (0.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.5, 0.0, 0.5), (0.0, 0.5, 0.5) };

    /// <summary>
    /// A periodic fcc supercell of exactly <paramref name="atoms"/> atoms (a multiple of 4; the most cubic
    /// <c>a × b × c</c> conventional cells), displaced by up to 0.1 Å.
    /// </summary>
    public static Configuration Cell(int atoms, int seed)
    {
        if (atoms % 4 != 0)
        {
            throw new ArgumentException($"Systems.Cell: {atoms} atoms is not a multiple of 4 (fcc cells).", nameof(atoms));
        }

        var cells = atoms / 4;
        var best = (A: 1, B: 1, C: cells);
        for (var a = 1; a * a * a <= cells; a++)
        {
            for (var b = a; a * b * b <= cells; b++)
            {
                if (cells % (a * b) != 0)
                {
                    continue;
                }

                var c = cells / (a * b);
                if ((double)c / a < (double)best.C / best.A)
                {
                    best = (a, b, c);
                }
            }
        }

        var random = new Random(seed);
        var pos = new double[atoms, 3];
        var i = 0;
        for (var x = 0; x < best.A; x++)
        {
            for (var y = 0; y < best.B; y++)
            {
                for (var z = 0; z < best.C; z++)
                {
                    foreach (var (bx, by, bz) in Basis)
                    {
                        pos[i, 0] = (x + bx) * LatticeConstant + Jitter(random);
                        pos[i, 1] = (y + by) * LatticeConstant + Jitter(random);
                        pos[i, 2] = (z + bz) * LatticeConstant + Jitter(random);
                        i++;
                    }
                }
            }
        }

        return new Configuration(pos, new int[atoms])
        {
            Cell = new[,]
            {
                { best.A * LatticeConstant, 0, 0 }, { 0, best.B * LatticeConstant, 0 }, { 0, 0, best.C * LatticeConstant },
            },
            Pbc = new[] { true, true, true },
        };
    }

    /// <summary>A roughly spherical fcc cluster: the <paramref name="atoms"/> lattice sites nearest a centre, displaced.</summary>
    public static Configuration Cluster(int atoms, int seed)
    {
        var half = (int)Math.Ceiling(Math.Cbrt(atoms / 4.0)) + 1;
        var sites = new List<(double X, double Y, double Z)>();
        for (var x = -half; x <= half; x++)
        {
            for (var y = -half; y <= half; y++)
            {
                for (var z = -half; z <= half; z++)
                {
                    foreach (var (bx, by, bz) in Basis)
                    {
                        // Centred off-lattice so that shells are not degenerate ties.
                        sites.Add(((x + bx + 0.13) * LatticeConstant, (y + by + 0.07) * LatticeConstant,
                            (z + bz + 0.03) * LatticeConstant));
                    }
                }
            }
        }

        var chosen = sites.OrderBy(s => s.X * s.X + s.Y * s.Y + s.Z * s.Z).Take(atoms).ToArray();
        if (chosen.Length < atoms)
        {
            throw new InvalidOperationException($"Systems.Cluster: only {chosen.Length} sites for {atoms} atoms.");
        }

        var random = new Random(seed);
        var pos = new double[atoms, 3];
        for (var i = 0; i < atoms; i++)
        {
            pos[i, 0] = chosen[i].X + Jitter(random);
            pos[i, 1] = chosen[i].Y + Jitter(random);
            pos[i, 2] = chosen[i].Z + Jitter(random);
        }

        return new Configuration(pos, new int[atoms]);
    }

    /// <summary>The energy+forces systems: a cluster and a periodic cell of each size.</summary>
    public static IReadOnlyList<BenchSystem> EnergyForces(IEnumerable<int> sizes) =>
        sizes.SelectMany(n => new[]
        {
            new BenchSystem($"cluster-{n}", new[] { Cluster(n, seed: n + 1) }),
            new BenchSystem($"cell-{n}", new[] { Cell(n, seed: n + 2) }),
        }).ToList();

    private static double Jitter(Random random) => 0.1 * (2 * random.NextDouble() - 1);
}
