using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model.Allegro;

/// <summary>
/// The deployable Allegro-style potential in pair_allegro's (v0.6.0) contract:
/// <c>forward(Dict[str, Tensor]) -> Dict[str, Tensor]</c> takes <c>pos</c> <c>[N, 3]</c> (float32 or float64; every
/// atom LAMMPS passes, local atoms then ghosts), <c>edge_index</c> <c>[2, E]</c> (row 0 centre i, always a local atom,
/// row 1 neighbour j, possibly a ghost) and <c>atom_types</c> <c>[N]</c>; there is no cell and no image shift, the
/// ghosts are the images. It returns float64 <c>atomic_energy</c> <c>[N, 1]</c> (pair_allegro sums the local rows),
/// <c>forces</c> <c>[N, 3]</c> with a row for every atom passed (LAMMPS adds ghost rows back to their owners),
/// <c>virial</c> <c>[1, 3, 3]</c> and <c>total_energy</c> <c>[1, 1]</c> (the sum over all rows; pair_allegro ignores it).
/// </summary>
/// <remarks>
/// Forces and virial come from one autograd call: a zero strain ε (requiring grad) deforms every position passed,
/// ghosts included, by <c>(1 + sym(ε))</c>; <c>virial = −∂E/∂ε</c>, <c>forces = −∂E/∂pos</c>. Each rank's virial
/// then covers exactly its own atoms' energies, and LAMMPS sums the ranks'. Extra keys (<c>compute_custom_output</c>)
/// are ignored. C# callers and training use <see cref="StrainedPotential{TModel}.Evaluate"/> (typed, batched,
/// periodic cells with image shifts). The strain for <see cref="StrainedPotential{TModel}.Evaluate"/> is
/// <see cref="StrainedEdges"/>' (cells, image shifts); <c>forward</c> keeps its own cell-less one (pair_allegro's hot
/// path, one matrix product).
/// </remarks>
[CompileMode(JitMode.Script)]
public partial class AllegroEnergyForces : StrainedPotential<AllegroModel>
{
    /// <summary>Wraps a per-atom energy model.</summary>
    /// <param name="model">The model.</param>
    public AllegroEnergyForces(AllegroModel model) : base(nameof(AllegroEnergyForces), model)
    {
    }

    /// <summary>The pair-style interface (pair_allegro's keys; outputs are float64).</summary>
    /// <param name="data">Input dictionary: <c>pos</c>, <c>edge_index</c>, <c>atom_types</c>.</param>
    /// <returns><c>atomic_energy</c>, <c>forces</c>, <c>virial</c>, <c>total_energy</c> (float64).</returns>
    public override Dictionary<string, Tensor> forward(Dictionary<string, Tensor> data)
    {
        CheckInput(data);
        var pos = data["pos"].to_type(Dtype);
        var edgeIndex = data["edge_index"];
        var atomTypes = data["atom_types"];
        pos.requires_grad_(true);
        var strain = zeros_like(pos.narrow(0, 0, 1).unsqueeze(0).expand(1, 3, 3));
        strain.requires_grad_(true);
        var sym = 0.5 * (strain + strain.transpose(1, 2));
        var strainedPos = pos + pos.mm(sym.select(0, 0));
        var edgeVec = strainedPos.index_select(0, edgeIndex[1]) - strainedPos.index_select(0, edgeIndex[0]);
        var atomic = Model.forward(edgeVec, edgeIndex, atomTypes);
        var energy = atomic.sum();
        var (forces, virial) = StrainGradients.forward(energy, pos, strain);
        return PairOutputs.forward(energy, forces, atomic, virial);
    }

    /// <inheritdoc />
    protected override PotentialOutput EvaluateBatch(Tensor pos, Tensor edgeIndex, Tensor atomTypes,
        Tensor edgeCellShift, Tensor cell, Tensor batch)
    {
        var (strain, edgeVec) = StrainedEdges.forward(pos, edgeIndex, edgeCellShift, cell, batch);
        var atomic = Model.forward(edgeVec, edgeIndex, atomTypes);
        var energy = zeros_like(cell[.., 0, 0]).index_add(0, batch, atomic[.., 0], 1);
        var (forces, virial) = StrainGradients.forward(energy, pos, strain);
        return new PotentialOutput(energy, forces, atomic, virial);
    }

    /// <summary>
    /// Energy, forces and virial of one periodic configuration (the C# counterpart of one LAMMPS step with
    /// pair_allegro): builds the neighbour list within r_max and evaluates in the model's dtype.
    /// </summary>
    /// <param name="configuration">Positions, species, cell (null: a cluster) and pbc.</param>
    /// <returns>Energy <c>[1]</c>, forces <c>[N, 3]</c>, per-atom energies <c>[N, 1]</c>, virial <c>[1, 3, 3]</c>.</returns>
    public PotentialOutput EvaluateConfiguration(Reference.Configuration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        using var graph = Training.Graph.FromConfiguration(configuration, Model.Config.RMax, Dtype);
        var output = Evaluate(graph.Positions, graph.EdgeIndex, graph.AtomTypes, graph.EdgeCellShift, graph.Cells);
        return new PotentialOutput(output.Energy.detach(), output.Forces.detach(), output.AtomicEnergy.detach(),
            output.Virial.detach());
    }

    /// <summary>Names the missing key of an input dictionary (instead of a bare KeyNotFoundException).</summary>
    [EagerOnly]
    private static void CheckInput(Dictionary<string, Tensor> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        foreach (var key in new[] { "pos", "edge_index", "atom_types" })
        {
            if (!data.ContainsKey(key))
            {
                throw new ArgumentException(
                    $"AllegroEnergyForces.forward: the input dictionary has no '{key}' entry; pair_allegro passes pos, " +
                    $"edge_index and atom_types (it has {string.Join(", ", data.Keys)}).", nameof(data));
            }
        }
    }
}
