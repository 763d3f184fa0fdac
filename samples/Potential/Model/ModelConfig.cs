using E3Sharp.O3;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>Hyper-parameters of the NequIP-style model (defaults: a small model that trains in minutes on a CPU).</summary>
public sealed record ModelConfig
{
    /// <summary>Species names, in index order (<c>atom_types</c> holds indices into this list).</summary>
    public IReadOnlyList<string> TypeNames { get; init; } = new[] { "A", "B" };

    /// <summary>Cutoff radius (Å).</summary>
    public double RMax { get; init; } = 5.0;

    /// <summary>Number of Bessel functions of the edge length embedding.</summary>
    public int NumBasis { get; init; } = 8;

    /// <summary>Degree of the polynomial cutoff envelope.</summary>
    public int PolynomialDegree { get; init; } = 6;

    /// <summary>Largest degree of the edge spherical harmonics.</summary>
    public int LMax { get; init; } = 2;

    /// <summary>Irreps of the hidden node features.</summary>
    public string HiddenIrreps { get; init; } = "16x0e+8x1o+4x2e";

    /// <summary>Number of scalars of the species embedding (the first layer's input).</summary>
    public int EmbeddingScalars { get; init; } = 16;

    /// <summary>Number of convolution layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Hidden widths of the radial networks.</summary>
    public IReadOnlyList<int> RadialHidden { get; init; } = new[] { 16, 16 };

    /// <summary>Number of scalars of the readout's hidden layer.</summary>
    public int ReadoutScalars { get; init; } = 8;

    /// <summary>Average number of neighbours (set from the training data).</summary>
    public double AvgNumNeighbors { get; init; } = 8.0;

    /// <summary>Number of species.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int NumSpecies => TypeNames.Count;

    /// <summary>Irreps of the edge spherical harmonics, <c>0e + 1o + 2e + ...</c> up to <see cref="LMax"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Irreps EdgeIrreps => Irreps.SphericalHarmonics(LMax);
}
