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
/// as in NequIP's <c>StressForceOutput</c>: a zero strain ε (requiring grad) deforms positions and cell by
/// <c>(1 + sym(ε))</c>, and <c>virial = −∂E/∂ε</c>, <c>forces = −∂E/∂pos</c>. In training mode the gradient graph is
/// kept (<c>create_graph</c>) so that force and stress losses can be trained. Scripted: tracing cannot record
/// <c>torch.autograd.grad</c>. C# callers use <see cref="Evaluate"/> (typed, batched).
/// </remarks>
[CompileMode(JitMode.Script)]
public partial class EnergyForces : nn.Module<Dictionary<string, Tensor>, Dictionary<string, Tensor>>, IPotential
{
    [ComponentName(Name = "model")]
    private readonly AtomicEnergyModel _model;

    /// <summary>Wraps a per-atom energy model.</summary>
    /// <param name="model">The model.</param>
    public EnergyForces(AtomicEnergyModel model) : base(nameof(EnergyForces))
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        RegisterComponents();
    }

    /// <summary>The per-atom energy model.</summary>
    public AtomicEnergyModel Model => _model;

    /// <summary>The model's floating dtype (inputs are converted to it).</summary>
    public ScalarType Dtype => _model.Dtype;

    /// <inheritdoc />
    nn.Module IPotential.Module => this;

    /// <inheritdoc />
    double IPotential.RMax => _model.Config.RMax;

    /// <inheritdoc />
    IReadOnlyList<string> IPotential.TypeNames => _model.Config.TypeNames;

    /// <inheritdoc />
    void IPotential.SetScaleShift(double scale, IReadOnlyList<double> shifts) => _model.SetScaleShift(scale, shifts);

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
        return new Dictionary<string, Tensor>
        {
            ["total_energy"] = energy.reshape(1, 1).to_type(ScalarType.Float64),
            ["forces"] = forces.to_type(ScalarType.Float64),
            ["atomic_energy"] = atomic.to_type(ScalarType.Float64),
            ["virial"] = virial.to_type(ScalarType.Float64),
        };
    }

    /// <summary>
    /// Energies, forces, per-atom energies and virials (the typed entry point for C# callers; batches of
    /// configurations are disconnected graphs told apart by <paramref name="batch"/>).
    /// </summary>
    /// <param name="pos">Positions <c>[N, 3]</c> (Å), in the model's dtype.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64).</param>
    /// <param name="atomTypes">Species indices <c>[N]</c> (int64).</param>
    /// <param name="edgeCellShift">Integer image shifts <c>[E, 3]</c> (null: none, a cluster).</param>
    /// <param name="cell">Cells <c>[G, 3, 3]</c> or <c>[3, 3]</c>, rows are lattice vectors (null: no cell).</param>
    /// <param name="batch">Configuration index per atom <c>[N]</c> (null: one configuration).</param>
    public PotentialOutput Evaluate(Tensor pos, Tensor edgeIndex, Tensor atomTypes, Tensor? edgeCellShift = null,
        Tensor? cell = null, Tensor? batch = null)
    {
        ArgumentNullException.ThrowIfNull(pos);
        ArgumentNullException.ThrowIfNull(edgeIndex);
        ArgumentNullException.ThrowIfNull(atomTypes);
        if (pos.dtype != Dtype)
        {
            throw new ArgumentException($"EnergyForces.Evaluate: pos is {pos.dtype}, the model is {Dtype}.", nameof(pos));
        }

        if (pos.ndim != 2 || pos.shape[1] != 3 || atomTypes.ndim != 1 || atomTypes.shape[0] != pos.shape[0] ||
            edgeIndex.ndim != 2 || edgeIndex.shape[0] != 2)
        {
            throw new ArgumentException(
                $"EnergyForces.Evaluate: expected pos [N, 3], atom_types [N], edge_index [2, E]; got " +
                $"[{string.Join(", ", pos.shape)}], [{string.Join(", ", atomTypes.shape)}], [{string.Join(", ", edgeIndex.shape)}].");
        }

        var edges = edgeIndex.shape[1];
        var shift = edgeCellShift?.to_type(Dtype) ?? zeros(edges, 3, dtype: Dtype);
        if (shift.ndim != 2 || shift.shape[0] != edges || shift.shape[1] != 3)
        {
            throw new ArgumentException(
                $"EnergyForces.Evaluate: edge_cell_shift must be [{edges}, 3], got [{string.Join(", ", shift.shape)}].",
                nameof(edgeCellShift));
        }

        var b = batch ?? zeros(pos.shape[0], dtype: ScalarType.Int64);
        var graphs = pos.shape[0] == 0 ? 1 : b.max().item<long>() + 1;
        var c = cell is null ? zeros(graphs, 3, 3, dtype: Dtype) : cell.to_type(Dtype).reshape(-1, 3, 3);
        if (c.shape[0] != graphs)
        {
            throw new ArgumentException($"EnergyForces.Evaluate: {c.shape[0]} cells for {graphs} configurations.",
                nameof(cell));
        }

        var (energy, forces, atomic, virial) = Compute(pos, edgeIndex, atomTypes, shift, c, b);
        return new PotentialOutput(energy, forces, atomic, virial);
    }

    /// <summary>The shared computation of <see cref="forward"/> and <see cref="Evaluate"/>.</summary>
    private (Tensor Energy, Tensor Forces, Tensor AtomicEnergy, Tensor Virial) Compute(Tensor pos, Tensor edgeIndex,
        Tensor atomTypes, Tensor edgeCellShift, Tensor cell, Tensor batch)
    {
        pos.requires_grad_(true);
        var strain = zeros_like(cell);
        strain.requires_grad_(true);
        var sym = 0.5 * (strain + strain.transpose(1, 2));
        var strainedPos = pos + pos.unsqueeze(1).bmm(sym.index_select(0, batch)).squeeze(1);
        var strainedCell = cell + cell.bmm(sym);
        var centre = edgeIndex[0];
        var neighbour = edgeIndex[1];
        var edgeCell = strainedCell.index_select(0, batch.index_select(0, centre));
        var edgeVec = strainedPos.index_select(0, neighbour) - strainedPos.index_select(0, centre) +
                      edgeCellShift.unsqueeze(1).bmm(edgeCell).squeeze(1);
        var atomic = _model.forward(edgeVec, edgeIndex, atomTypes);
        var energy = zeros_like(cell[.., 0, 0]).index_add(0, batch, atomic[.., 0], 1);
        CheckGradientMode(energy);
        var grads = autograd.grad(new[] { energy.sum() }, new[] { pos, strain }, retain_graph: training,
            create_graph: training, allow_unused: true);
        var forces = -grads[0];
        var virial = -grads[1];
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

    /// <summary>Refuses to differentiate an energy computed without gradient mode (LibTorch would abort the process).</summary>
    [EagerOnly]
    private static void CheckGradientMode(Tensor energy)
    {
        if (!energy.requires_grad)
        {
            throw new InvalidOperationException(
                "EnergyForces: the energy is not connected to the positions by autograd, so forces cannot be taken; " +
                "call the potential with gradient mode enabled (not inside no_grad()) and with at least one edge.");
        }
    }
}
