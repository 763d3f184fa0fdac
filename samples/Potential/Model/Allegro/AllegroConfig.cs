using E3Sharp.O3;

namespace E3Sharp.Samples.Potential.Model.Allegro;

/// <summary>Hyper-parameters of the Allegro-style strictly local model (defaults: small enough to train on a CPU).</summary>
public sealed record AllegroConfig
{
    /// <summary>What <c>config.json</c> records so that <c>deploy --from</c> knows the model kind.</summary>
    public string Kind { get; init; } = "allegro";

    /// <summary>Species names, in index order (<c>atom_types</c> holds indices into this list).</summary>
    public IReadOnlyList<string> TypeNames { get; init; } = new[] { "A", "B" };

    /// <summary>Cutoff radius (Å): each atom's energy depends only on neighbours within it.</summary>
    public double RMax { get; init; } = 5.0;

    /// <summary>Number of Bessel functions of the edge length embedding.</summary>
    public int NumBasis { get; init; } = 8;

    /// <summary>Degree of the polynomial cutoff envelope.</summary>
    public int PolynomialDegree { get; init; } = 6;

    /// <summary>Largest degree of the edge spherical harmonics (and of the edge features).</summary>
    public int LMax { get; init; } = 2;

    /// <summary>Channels of the equivariant edge features (each irrep of the harmonics this many times).</summary>
    public int Channels { get; init; } = 8;

    /// <summary>Width of the scalar edge latent.</summary>
    public int LatentDim { get; init; } = 32;

    /// <summary>Number of Allegro layers (tensor product with the environment, latent update).</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Hidden widths of the two-body MLP (species of both atoms and radial basis to the latent).</summary>
    public IReadOnlyList<int> TwoBodyHidden { get; init; } = new[] { 32 };

    /// <summary>Hidden widths of each layer's latent MLP.</summary>
    public IReadOnlyList<int> LatentHidden { get; init; } = new[] { 32 };

    /// <summary>Hidden widths of the final per-edge energy MLP.</summary>
    public IReadOnlyList<int> EdgeEnergyHidden { get; init; } = new[] { 16 };

    /// <summary>Average number of neighbours (set from the training data): environment sums are divided by its
    /// square root, the sum of edge energies by it.</summary>
    public double AvgNumNeighbors { get; init; } = 8.0;

    /// <summary>Number of species.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int NumSpecies => TypeNames.Count;

    /// <summary>Irreps of the edge spherical harmonics, <c>0e + 1o + 2e + ...</c> up to <see cref="LMax"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Irreps EdgeIrreps => Irreps.SphericalHarmonics(LMax);

    /// <summary>Irreps of the equivariant edge features: <see cref="Channels"/> copies of each harmonic's irrep.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Irreps FeatureIrreps => new(EdgeIrreps.Select(m => new MulIr(Channels, m.Ir)));
}
