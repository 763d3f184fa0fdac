using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>Energies, forces and virials of one configuration or of a batch of them.</summary>
/// <param name="Energy">Total energy per configuration <c>[G]</c> (eV).</param>
/// <param name="Forces">Forces <c>[N, 3]</c> (eV/Å), <c>−∂E/∂pos</c>.</param>
/// <param name="AtomicEnergy">Per-atom energies <c>[N, 1]</c> (eV).</param>
/// <param name="Virial">Virial per configuration <c>[G, 3, 3]</c> (eV), <c>−∂E/∂ε</c> for a symmetric strain ε of
/// positions and cell (NequIP's sign; the stress is <c>−virial / volume</c>).</param>
public sealed record PotentialOutput(Tensor Energy, Tensor Forces, Tensor AtomicEnergy, Tensor Virial);

/// <summary>
/// The deployable potential in NequIP 0.6's contract: <c>forward(Dict[str, Tensor]) -> Dict[str, Tensor]</c> takes
/// <c>pos</c> <c>[N, 3]</c>, <c>edge_index</c> <c>[2, E]</c> (row 0 centre i, row 1 neighbour j), <c>edge_cell_shift</c>
/// <c>[E, 3]</c> (integer image shifts), <c>cell</c> <c>[3, 3]</c> (rows are the lattice vectors) and
/// <c>atom_types</c> <c>[N]</c>, as pair_nequip passes them, and returns float64 <c>total_energy</c> <c>[1, 1]</c>,
/// <c>forces</c> <c>[N, 3]</c>, <c>atomic_energy</c> <c>[N, 1]</c> and <c>virial</c> <c>[1, 3, 3]</c>.
/// </summary>
/// <remarks>
/// Edge vectors are <c>pos[j] − pos[i] + edge_cell_shift[e] · cell</c>. Forces and virial come from one autograd call,
/// as in NequIP's <c>StressForceOutput</c> (<see cref="StrainedEdges"/>, <see cref="StrainGradients"/>): a zero strain ε
/// (requiring grad) deforms positions and cell by <c>(1 + sym(ε))</c>, and <c>virial = −∂E/∂ε</c>,
/// <c>forces = −∂E/∂pos</c>. In training mode the gradient graph is kept (<c>create_graph</c>) so that force and stress
/// losses can be trained. Scripted: tracing cannot record <c>torch.autograd.grad</c>. C# callers use
/// <see cref="StrainedPotential{TModel}.Evaluate"/> (typed, batched).
/// </remarks>
[CompileMode(JitMode.Script)]
public partial class EnergyForces : StrainedPotential<AtomicEnergyModel>
{
    /// <summary>Wraps a per-atom energy model.</summary>
    /// <param name="model">The model.</param>
    public EnergyForces(AtomicEnergyModel model) : base(nameof(EnergyForces), model)
    {
    }

    /// <summary>The pair-style interface (NequIP's keys and dtypes; outputs are float64).</summary>
    /// <param name="data">Input dictionary: <c>pos</c>, <c>edge_index</c>, <c>edge_cell_shift</c>, <c>cell</c>, <c>atom_types</c>.</param>
    /// <returns><c>total_energy</c>, <c>forces</c>, <c>atomic_energy</c>, <c>virial</c> (float64).</returns>
    public override Dictionary<string, Tensor> forward(Dictionary<string, Tensor> data)
    {
        CheckInput(data);
        var atomTypes = data["atom_types"];
        var cell = data["cell"].to_type(Dtype).reshape(1, 3, 3);
        var (energy, forces, atomic, virial) = Compute(data["pos"].to_type(Dtype), data["edge_index"], atomTypes,
            data["edge_cell_shift"].to_type(Dtype), cell, zeros_like(atomTypes));
        return PairOutputs.forward(energy, forces, atomic, virial);
    }

    /// <inheritdoc />
    protected override PotentialOutput EvaluateBatch(Tensor pos, Tensor edgeIndex, Tensor atomTypes,
        Tensor edgeCellShift, Tensor cell, Tensor batch)
    {
        var (energy, forces, atomic, virial) = Compute(pos, edgeIndex, atomTypes, edgeCellShift, cell, batch);
        return new PotentialOutput(energy, forces, atomic, virial);
    }

    /// <summary>The computation <see cref="forward"/> and <see cref="StrainedPotential{TModel}.Evaluate"/> share.</summary>
    private (Tensor Energy, Tensor Forces, Tensor AtomicEnergy, Tensor Virial) Compute(Tensor pos, Tensor edgeIndex,
        Tensor atomTypes, Tensor edgeCellShift, Tensor cell, Tensor batch)
    {
        var (strain, edgeVec) = StrainedEdges.forward(pos, edgeIndex, edgeCellShift, cell, batch);
        var atomic = Model.forward(edgeVec, edgeIndex, atomTypes);
        var energy = zeros_like(cell[.., 0, 0]).index_add(0, batch, atomic[.., 0], 1);
        var (forces, virial) = StrainGradients.forward(energy, pos, strain);
        return (energy, forces, atomic, virial);
    }

    /// <summary>Names the missing key of an input dictionary (instead of a bare KeyNotFoundException).</summary>
    [EagerOnly]
    private static void CheckInput(Dictionary<string, Tensor> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        foreach (var key in new[] { "pos", "edge_index", "edge_cell_shift", "cell", "atom_types" })
        {
            if (!data.ContainsKey(key))
            {
                throw new ArgumentException(
                    $"EnergyForces.forward: the input dictionary has no '{key}' entry; it needs pos, edge_index, " +
                    $"edge_cell_shift, cell and atom_types (it has {string.Join(", ", data.Keys)}).", nameof(data));
            }
        }
    }
}
