using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// The geometry half of forces and virials by one autograd call (NequIP's <c>StressForceOutput</c>), shared by
/// <see cref="EnergyForces"/> and <see cref="Allegro.AllegroEnergyForces"/>: marks <c>pos</c> as requiring grad,
/// makes a zero strain ε <c>[G, 3, 3]</c> (requiring grad) per configuration, deforms positions and cells by
/// <c>(1 + sym(ε))</c> and returns ε with the edge vectors <c>pos[j] − pos[i] + edge_cell_shift[e] · cell</c> of the
/// strained geometry. <see cref="StrainGradients"/> then takes <c>−∂E/∂pos</c> and <c>−∂E/∂ε</c>.
/// </summary>
/// <remarks>
/// A stateless child module (no parameters or buffers, so the wrappers' state dict names stay as they were): the
/// script generator translates only a class's own methods and calls other code through submodules.
/// </remarks>
[CompileMode(JitMode.Script)]
public partial class StrainedEdges : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, (Tensor, Tensor)>
{
    /// <summary>Creates the module (it has no state).</summary>
    public StrainedEdges() : base(nameof(StrainedEdges))
    {
    }

    /// <summary>Strain and strained edge vectors.</summary>
    /// <param name="pos">Positions <c>[N, 3]</c>; set to require grad, in place.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64): row 0 centres i, row 1 neighbours j.</param>
    /// <param name="edgeCellShift">Integer image shifts <c>[E, 3]</c>, in the dtype of <paramref name="pos"/>.</param>
    /// <param name="cell">Cells <c>[G, 3, 3]</c> (rows are lattice vectors; zeros for a cluster).</param>
    /// <param name="batch">Configuration index per atom <c>[N]</c> (int64).</param>
    /// <returns>The strain ε <c>[G, 3, 3]</c> (zero, requiring grad) and the edge vectors <c>[E, 3]</c>.</returns>
    public override (Tensor, Tensor) forward(Tensor pos, Tensor edgeIndex, Tensor edgeCellShift, Tensor cell,
        Tensor batch)
    {
        pos.requires_grad_(true);
        var strain = zeros_like(cell);
        strain.requires_grad_(true);
        var sym = 0.5 * (strain + strain.transpose(1, 2));
        var strainedPos = pos + pos.unsqueeze(1).bmm(sym.index_select(0, batch)).squeeze(1);
        var strainedCell = cell + cell.bmm(sym);
        var centre = edgeIndex[0];
        var edgeCell = strainedCell.index_select(0, batch.index_select(0, centre));
        var edgeVec = strainedPos.index_select(0, edgeIndex[1]) - strainedPos.index_select(0, centre) +
                      edgeCellShift.unsqueeze(1).bmm(edgeCell).squeeze(1);
        return (strain, edgeVec);
    }
}
