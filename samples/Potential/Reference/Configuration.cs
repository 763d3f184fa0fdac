namespace E3Sharp.Samples.Potential.Reference;

/// <summary>
/// One atomic configuration: positions in Å, species indices, optionally a cell (periodic along the directions
/// <see cref="Pbc"/> marks), and, when labelled, the reference energy (eV), forces (eV/Å) and stress (eV/Å³).
/// </summary>
public sealed class Configuration
{
    /// <summary>Creates an unlabelled configuration.</summary>
    /// <param name="positions">Positions, <c>[N, 3]</c> (Å).</param>
    /// <param name="species">Species index of each atom (0-based, one per row of <paramref name="positions"/>).</param>
    public Configuration(double[,] positions, int[] species)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(species);
        if (positions.GetLength(1) != 3)
        {
            throw new ArgumentException(
                $"Configuration: positions must have 3 columns, got {positions.GetLength(1)}.", nameof(positions));
        }

        if (positions.GetLength(0) != species.Length)
        {
            throw new ArgumentException(
                $"Configuration: {positions.GetLength(0)} positions but {species.Length} species indices.",
                nameof(species));
        }

        if (species.Any(s => s < 0))
        {
            throw new ArgumentException("Configuration: species indices must be non-negative.", nameof(species));
        }

        Positions = positions;
        Species = species;
    }

    /// <summary>Positions, <c>[N, 3]</c> (Å).</summary>
    public double[,] Positions { get; }

    /// <summary>Species index of each atom.</summary>
    public int[] Species { get; }

    /// <summary>Number of atoms.</summary>
    public int Count => Species.Length;

    /// <summary>Reference energy (eV), when labelled.</summary>
    public double? Energy { get; set; }

    /// <summary>Reference forces, <c>[N, 3]</c> (eV/Å), when labelled.</summary>
    public double[,]? Forces { get; set; }

    /// <summary>Cell <c>[3, 3]</c> (Å), rows are the lattice vectors (null: a cluster, no cell).</summary>
    public double[,]? Cell { get; set; }

    /// <summary>Periodicity along each lattice vector (all false without a cell).</summary>
    public bool[] Pbc { get; set; } = new bool[3];

    /// <summary>Reference stress <c>[3, 3]</c> (eV/Å³, ASE's sign: <c>(1/V) ∂E/∂ε</c>), when labelled.</summary>
    public double[,]? Stress { get; set; }

    /// <summary>Whether any direction is periodic.</summary>
    public bool IsPeriodic => Cell is not null && Pbc.Any(p => p);

    /// <summary>Cell volume (Å³), <c>|det(cell)|</c>; 0 without a cell.</summary>
    public double Volume => Cell is null ? 0.0 : Math.Abs(
        Cell[0, 0] * (Cell[1, 1] * Cell[2, 2] - Cell[1, 2] * Cell[2, 1]) -
        Cell[0, 1] * (Cell[1, 0] * Cell[2, 2] - Cell[1, 2] * Cell[2, 0]) +
        Cell[0, 2] * (Cell[1, 0] * Cell[2, 1] - Cell[1, 1] * Cell[2, 0]));

    /// <summary>Labels the configuration with a reference potential.</summary>
    /// <param name="potential">The reference potential.</param>
    /// <returns>This configuration.</returns>
    public Configuration Label(ReferencePotential potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        var (e, f) = potential.Compute(Positions, Species);
        Energy = e;
        Forces = f;
        return this;
    }
}
