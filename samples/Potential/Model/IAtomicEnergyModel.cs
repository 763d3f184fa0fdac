using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// What <see cref="StrainedPotential{TModel}"/> needs of a per-atom energy model besides its
/// <c>forward(edgeVec, edgeIndex, atomTypes) -> [N, 1]</c> (<see cref="AtomicEnergyModel"/>,
/// <see cref="Allegro.AllegroModel"/>).
/// </summary>
public interface IAtomicEnergyModel
{
    /// <summary>Floating dtype of the parameters.</summary>
    ScalarType Dtype { get; }

    /// <summary>Cutoff radius of the neighbour list (Å).</summary>
    double RMax { get; }

    /// <summary>Species names, in index order.</summary>
    IReadOnlyList<string> TypeNames { get; }

    /// <summary>Sets the energy scale and the per-species shifts (from training data statistics).</summary>
    /// <param name="scale">Multiplies the network output (eV).</param>
    /// <param name="shifts">Energy per species (eV), one per species.</param>
    void SetScaleShift(double scale, IReadOnlyList<double> shifts);
}
