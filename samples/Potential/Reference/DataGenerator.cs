namespace E3Sharp.Samples.Potential.Reference;

/// <summary>Settings of <see cref="DataGenerator"/>.</summary>
public sealed record DataOptions
{
    /// <summary>Number of independent molecular-dynamics trajectories.</summary>
    public int Trajectories { get; init; } = 8;

    /// <summary>Configurations kept per trajectory.</summary>
    public int FramesPerTrajectory { get; init; } = 40;

    /// <summary>Smallest number of atoms in a cluster.</summary>
    public int MinAtoms { get; init; } = 10;

    /// <summary>Largest number of atoms in a cluster.</summary>
    public int MaxAtoms { get; init; } = 16;

    /// <summary>Lowest thermostat temperature (K); each trajectory draws one between this and <see cref="MaxTemperature"/>.</summary>
    public double MinTemperature { get; init; } = 150;

    /// <summary>Highest thermostat temperature (K).</summary>
    public double MaxTemperature { get; init; } = 450;

    /// <summary>Time step (fs).</summary>
    public double TimeStepFs { get; init; } = 2.0;

    /// <summary>Steps before the first kept frame.</summary>
    public int EquilibrationSteps { get; init; } = 1500;

    /// <summary>Steps between kept frames.</summary>
    public int StepsBetweenFrames { get; init; } = 25;

    /// <summary>Seed of the random stream (trajectory <c>t</c> uses <c>Seed + t</c>).</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Makes labelled training data without any download: Langevin molecular dynamics (BAOAB integrator, eV/Å/amu units)
/// of small two-species clusters under the <see cref="ReferencePotential"/>, keeping every few steps a frame labelled
/// with the reference energy and forces. Each trajectory has its own size, composition and temperature.
/// </summary>
public static class DataGenerator
{
    /// <summary>Boltzmann constant (eV/K).</summary>
    public const double Boltzmann = 8.617333262e-5;

    /// <summary>One fs in the time unit of eV/Å/amu (Å·sqrt(amu/eV) ≈ 10.18 fs).</summary>
    public const double Femtosecond = 1.0 / 10.1805055;

    /// <summary>Atomic mass used for every species (amu).</summary>
    public const double Mass = 40.0;

    /// <summary>Runs the trajectories and returns the kept frames, labelled, trajectory by trajectory.</summary>
    /// <param name="potential">The reference potential.</param>
    /// <param name="options">Settings.</param>
    public static List<Configuration> Generate(ReferencePotential potential, DataOptions options)
    {
        ArgumentNullException.ThrowIfNull(potential);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MinAtoms < 2 || options.MaxAtoms < options.MinAtoms)
        {
            throw new ArgumentException(
                $"DataGenerator: need 2 <= MinAtoms <= MaxAtoms, got {options.MinAtoms} and {options.MaxAtoms}.",
                nameof(options));
        }

        var frames = new List<Configuration>();
        for (var t = 0; t < options.Trajectories; t++)
        {
            frames.AddRange(Trajectory(potential, options, new Random(options.Seed + t)));
        }

        return frames;
    }

    /// <summary>A random cluster: atoms in a sphere, at least <paramref name="minDistance"/> apart.</summary>
    /// <param name="n">Number of atoms.</param>
    /// <param name="speciesCount">Number of species (drawn uniformly per atom, all species present when possible).</param>
    /// <param name="minDistance">Smallest allowed distance (Å).</param>
    /// <param name="random">Random stream.</param>
    public static Configuration RandomCluster(int n, int speciesCount, double minDistance, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        // Atoms of diameter minDistance filling about 30% of the sphere (random sequential packing reaches ~38%).
        var radius = 0.5 * minDistance * Math.Cbrt(n / 0.3);
        var pos = new double[n, 3];
        var placed = 0;
        var attempts = 0;
        while (placed < n)
        {
            if (++attempts > 1_000_000)
            {
                throw new InvalidOperationException(
                    $"DataGenerator: could not place {n} atoms {minDistance} Å apart in a sphere of radius {radius:F2} Å.");
            }

            var x = (random.NextDouble() * 2 - 1) * radius;
            var y = (random.NextDouble() * 2 - 1) * radius;
            var z = (random.NextDouble() * 2 - 1) * radius;
            if (x * x + y * y + z * z > radius * radius)
            {
                continue;
            }

            var ok = true;
            for (var k = 0; k < placed && ok; k++)
            {
                var dx = pos[k, 0] - x;
                var dy = pos[k, 1] - y;
                var dz = pos[k, 2] - z;
                ok = dx * dx + dy * dy + dz * dz >= minDistance * minDistance;
            }

            if (!ok)
            {
                continue;
            }

            pos[placed, 0] = x;
            pos[placed, 1] = y;
            pos[placed, 2] = z;
            placed++;
        }

        var species = new int[n];
        for (var i = 0; i < n; i++)
        {
            species[i] = i < speciesCount ? i : random.Next(speciesCount);
        }

        random.Shuffle(species);
        return new Configuration(pos, species);
    }

    private static IEnumerable<Configuration> Trajectory(ReferencePotential potential, DataOptions o, Random random)
    {
        var n = random.Next(o.MinAtoms, o.MaxAtoms + 1);
        var start = RandomCluster(n, potential.SpeciesCount, 2.6, random);
        var x = (double[,])start.Positions.Clone();
        var species = start.Species;
        var temperature = o.MinTemperature + random.NextDouble() * (o.MaxTemperature - o.MinTemperature);
        var kT = Boltzmann * temperature;
        var dt = o.TimeStepFs * Femtosecond;
        const double friction = 0.02; // per fs
        var c1 = Math.Exp(-friction * o.TimeStepFs);
        var c2 = Math.Sqrt((1 - c1 * c1) * kT / Mass);
        var v = new double[n, 3];
        var (_, f) = potential.Compute(x, species);
        var total = o.EquilibrationSteps + o.FramesPerTrajectory * o.StepsBetweenFrames;
        for (var step = 1; step <= total; step++)
        {
            // BAOAB: half kick, half drift, thermostat, half drift, force, half kick.
            for (var i = 0; i < n; i++)
            {
                for (var c = 0; c < 3; c++)
                {
                    v[i, c] += 0.5 * dt * f[i, c] / Mass;
                    x[i, c] += 0.5 * dt * v[i, c];
                    v[i, c] = c1 * v[i, c] + c2 * Gaussian(random);
                    x[i, c] += 0.5 * dt * v[i, c];
                }
            }

            (_, f) = potential.Compute(x, species);
            for (var i = 0; i < n; i++)
            {
                for (var c = 0; c < 3; c++)
                {
                    v[i, c] += 0.5 * dt * f[i, c] / Mass;
                }
            }

            if (step > o.EquilibrationSteps && (step - o.EquilibrationSteps) % o.StepsBetweenFrames == 0)
            {
                yield return new Configuration(Centred(x), (int[])species.Clone()).Label(potential);
            }
        }
    }

    private static double[,] Centred(double[,] x)
    {
        var n = x.GetLength(0);
        var result = (double[,])x.Clone();
        for (var c = 0; c < 3; c++)
        {
            var mean = 0.0;
            for (var i = 0; i < n; i++)
            {
                mean += x[i, c];
            }

            mean /= n;
            for (var i = 0; i < n; i++)
            {
                result[i, c] -= mean;
            }
        }

        return result;
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
