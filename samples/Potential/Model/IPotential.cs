using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// What training, evaluation and the CLI need of a potential, whichever architecture (the NequIP-style
/// <see cref="EnergyForces"/> or the Allegro-style <see cref="Allegro.AllegroEnergyForces"/>).
/// </summary>
public interface IPotential
{
    /// <summary>The potential as a module (parameters, state, train/eval mode, save/load).</summary>
    nn.Module Module { get; }

    /// <summary>Floating dtype of the model (positions passed to <see cref="Evaluate"/> must have it).</summary>
    ScalarType Dtype { get; }

    /// <summary>Cutoff radius of the neighbour list (Å).</summary>
    double RMax { get; }

    /// <summary>Species names, in index order.</summary>
    IReadOnlyList<string> TypeNames { get; }

    /// <summary>Sets the energy scale and the per-species shifts (from training data statistics).</summary>
    /// <param name="scale">Multiplies the network output (eV).</param>
    /// <param name="shifts">Energy per species (eV).</param>
    void SetScaleShift(double scale, IReadOnlyList<double> shifts);

    /// <summary>Energies, forces, per-atom energies and virials of a batch of configurations.</summary>
    /// <param name="pos">Positions <c>[N, 3]</c> (Å), in the model's dtype.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64): row 0 centres, row 1 neighbours.</param>
    /// <param name="atomTypes">Species indices <c>[N]</c> (int64).</param>
    /// <param name="edgeCellShift">Integer image shifts <c>[E, 3]</c> (null: none).</param>
    /// <param name="cell">Cells <c>[G, 3, 3]</c> or <c>[3, 3]</c>, rows are lattice vectors (null: no cell).</param>
    /// <param name="batch">Configuration index per atom <c>[N]</c> (null: one configuration).</param>
    PotentialOutput Evaluate(Tensor pos, Tensor edgeIndex, Tensor atomTypes, Tensor? edgeCellShift = null,
        Tensor? cell = null, Tensor? batch = null);
}
