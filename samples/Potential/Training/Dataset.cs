using E3Sharp.Samples.Potential.Reference;

namespace E3Sharp.Samples.Potential.Training;

/// <summary>
/// Training, validation and held-out test configurations. The test set comes from its own molecular-dynamics
/// trajectories (other seeds), so the held-out error measures transfer to unseen trajectories, not to neighbouring
/// frames of the training ones.
/// </summary>
/// <param name="Train">Training configurations.</param>
/// <param name="Validation">Validation configurations (trajectories not used for training), for the progress display.</param>
/// <param name="Test">Held-out test configurations (trajectories used for nothing else).</param>
public sealed record Dataset(IReadOnlyList<Configuration> Train, IReadOnlyList<Configuration> Validation,
    IReadOnlyList<Configuration> Test)
{
    /// <summary>Generates the three sets with the reference potential.</summary>
    /// <param name="potential">Reference potential.</param>
    /// <param name="trainTrajectories">Trajectories for training.</param>
    /// <param name="heldOutTrajectories">Trajectories each for validation and for test.</param>
    /// <param name="framesPerTrajectory">Frames kept per trajectory.</param>
    /// <param name="seed">Base seed.</param>
    public static Dataset Generate(ReferencePotential potential, int trainTrajectories, int heldOutTrajectories,
        int framesPerTrajectory, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(potential);
        if (trainTrajectories < 1 || heldOutTrajectories < 1 || framesPerTrajectory < 1)
        {
            throw new ArgumentException(
                $"Dataset: need at least one trajectory of each kind and one frame per trajectory, got train = " +
                $"{trainTrajectories}, held out = {heldOutTrajectories}, frames = {framesPerTrajectory}.");
        }

        var options = new DataOptions { FramesPerTrajectory = framesPerTrajectory };
        var train = DataGenerator.Generate(potential,
            options with { Trajectories = trainTrajectories, Seed = seed });
        var validation = DataGenerator.Generate(potential,
            options with { Trajectories = heldOutTrajectories, Seed = seed + 10_000 });
        var test = DataGenerator.Generate(potential,
            options with { Trajectories = heldOutTrajectories, Seed = seed + 20_000 });
        return new Dataset(train, validation, test);
    }

    /// <summary>Root mean square of all force components of a set (eV/Å).</summary>
    /// <param name="configurations">Labelled configurations.</param>
    public static double ForceRms(IEnumerable<Configuration> configurations) =>
        Math.Sqrt(ForceComponents(configurations).Select(f => f * f).Average());

    /// <summary>Standard deviation of all force components of a set (eV/Å).</summary>
    /// <param name="configurations">Labelled configurations.</param>
    public static double ForceStd(IEnumerable<Configuration> configurations)
    {
        var all = ForceComponents(configurations).ToArray();
        var mean = all.Average();
        return Math.Sqrt(all.Select(f => (f - mean) * (f - mean)).Average());
    }

    /// <summary>All force components of a set.</summary>
    /// <param name="configurations">Labelled configurations.</param>
    public static IEnumerable<double> ForceComponents(IEnumerable<Configuration> configurations)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        foreach (var c in configurations)
        {
            var f = c.Forces ?? throw new ArgumentException("Dataset: a configuration has no reference forces.");
            for (var i = 0; i < c.Count; i++)
            {
                for (var k = 0; k < 3; k++)
                {
                    yield return f[i, k];
                }
            }
        }
    }

    /// <summary>Average number of neighbours within <paramref name="rMax"/> (edges per atom).</summary>
    /// <param name="configurations">Configurations.</param>
    /// <param name="rMax">Cutoff (Å).</param>
    public static double AverageNeighbors(IEnumerable<Configuration> configurations, double rMax)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        long edges = 0, atoms = 0;
        foreach (var c in configurations)
        {
            edges += NeighborList.Build(c, rMax).Count;
            atoms += c.Count;
        }

        return atoms == 0 ? 1.0 : Math.Max((double)edges / atoms, 1.0);
    }

    /// <summary>
    /// Per-species energies fitted by least squares, <c>E ≈ Σ_s n_s · shift_s</c> (a tiny ridge term keeps the normal
    /// equations solvable when a species is rare).
    /// </summary>
    /// <param name="configurations">Labelled configurations.</param>
    /// <param name="speciesCount">Number of species.</param>
    public static double[] FitShifts(IReadOnlyList<Configuration> configurations, int speciesCount)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        var a = new double[speciesCount, speciesCount];
        var b = new double[speciesCount];
        foreach (var c in configurations)
        {
            var counts = new double[speciesCount];
            foreach (var s in c.Species)
            {
                counts[s]++;
            }

            var e = c.Energy ?? throw new ArgumentException("Dataset: a configuration has no reference energy.");
            for (var i = 0; i < speciesCount; i++)
            {
                b[i] += counts[i] * e;
                for (var j = 0; j < speciesCount; j++)
                {
                    a[i, j] += counts[i] * counts[j];
                }
            }
        }

        for (var i = 0; i < speciesCount; i++)
        {
            a[i, i] += 1e-8 * (1 + a[i, i]);
        }

        return Solve(a, b);
    }

    private static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]))
                {
                    pivot = r;
                }
            }

            for (var k = 0; k < n; k++)
            {
                (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
            }

            (x[col], x[pivot]) = (x[pivot], x[col]);
            for (var r = 0; r < n; r++)
            {
                if (r == col)
                {
                    continue;
                }

                var factor = m[r, col] / m[col, col];
                for (var k = 0; k < n; k++)
                {
                    m[r, k] -= factor * m[col, k];
                }

                x[r] -= factor * x[col];
            }
        }

        for (var i = 0; i < n; i++)
        {
            x[i] /= m[i, i];
        }

        return x;
    }
}
