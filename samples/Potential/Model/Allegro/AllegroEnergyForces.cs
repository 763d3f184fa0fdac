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
/// are ignored. C# callers and training use <see cref="Evaluate"/> (typed, batched, periodic cells with image shifts).
/// </remarks>
[CompileMode(JitMode.Script)]
public partial class AllegroEnergyForces : nn.Module<Dictionary<string, Tensor>, Dictionary<string, Tensor>>, IPotential
{
    [ComponentName(Name = "model")]
    private readonly AllegroModel _model;

    /// <summary>Wraps a per-atom energy model.</summary>
    /// <param name="model">The model.</param>
    public AllegroEnergyForces(AllegroModel model) : base(nameof(AllegroEnergyForces))
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        RegisterComponents();
    }

    /// <summary>The per-atom energy model.</summary>
    public AllegroModel Model => _model;

    /// <inheritdoc />
    public ScalarType Dtype => _model.Dtype;

    /// <inheritdoc />
    nn.Module IPotential.Module => this;

    /// <inheritdoc />
    double IPotential.RMax => _model.Config.RMax;

    /// <inheritdoc />
    IReadOnlyList<string> IPotential.TypeNames => _model.Config.TypeNames;

    /// <inheritdoc />
    void IPotential.SetScaleShift(double scale, IReadOnlyList<double> shifts) => _model.SetScaleShift(scale, shifts);

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
        var atomic = _model.forward(edgeVec, edgeIndex, atomTypes);
        var energy = atomic.sum();
        CheckGradientMode(energy);
        var grads = autograd.grad(new[] { energy }, new[] { pos, strain }, retain_graph: training,
            create_graph: training, allow_unused: true);
        return new Dictionary<string, Tensor>
        {
            ["total_energy"] = energy.reshape(1, 1).to_type(ScalarType.Float64),
            ["forces"] = (-grads[0]).to_type(ScalarType.Float64),
            ["atomic_energy"] = atomic.to_type(ScalarType.Float64),
            ["virial"] = (-grads[1]).to_type(ScalarType.Float64),
        };
    }

    /// <summary>
    /// Energies, forces, per-atom energies and virials (the typed entry point for C# callers and training; batches
    /// of configurations are disconnected graphs told apart by <paramref name="batch"/>; periodic images come from
    /// <paramref name="edgeCellShift"/> and <paramref name="cell"/>, edge vectors <c>pos[j] − pos[i] + S · cell</c>).
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
            throw new ArgumentException($"AllegroEnergyForces.Evaluate: pos is {pos.dtype}, the model is {Dtype}.",
                nameof(pos));
        }

        if (pos.ndim != 2 || pos.shape[1] != 3 || atomTypes.ndim != 1 || atomTypes.shape[0] != pos.shape[0] ||
            edgeIndex.ndim != 2 || edgeIndex.shape[0] != 2)
        {
            throw new ArgumentException(
                $"AllegroEnergyForces.Evaluate: expected pos [N, 3], atom_types [N], edge_index [2, E]; got " +
                $"[{string.Join(", ", pos.shape)}], [{string.Join(", ", atomTypes.shape)}], [{string.Join(", ", edgeIndex.shape)}].");
        }

        var edges = edgeIndex.shape[1];
        var shift = edgeCellShift?.to_type(Dtype) ?? zeros(edges, 3, dtype: Dtype);
        if (shift.ndim != 2 || shift.shape[0] != edges || shift.shape[1] != 3)
        {
            throw new ArgumentException(
                $"AllegroEnergyForces.Evaluate: edge_cell_shift must be [{edges}, 3], got [{string.Join(", ", shift.shape)}].",
                nameof(edgeCellShift));
        }

        var b = batch ?? zeros(pos.shape[0], dtype: ScalarType.Int64);
        var graphs = pos.shape[0] == 0 ? 1 : b.max().item<long>() + 1;
        var c = cell is null ? zeros(graphs, 3, 3, dtype: Dtype) : cell.to_type(Dtype).reshape(-1, 3, 3);
        if (c.shape[0] != graphs)
        {
            throw new ArgumentException($"AllegroEnergyForces.Evaluate: {c.shape[0]} cells for {graphs} configurations.",
                nameof(cell));
        }

        pos.requires_grad_(true);
        var strain = zeros_like(c);
        strain.requires_grad_(true);
        var sym = 0.5 * (strain + strain.transpose(1, 2));
        var strainedPos = pos + pos.unsqueeze(1).bmm(sym.index_select(0, b)).squeeze(1);
        var strainedCell = c + c.bmm(sym);
        var centre = edgeIndex[0];
        var edgeCell = strainedCell.index_select(0, b.index_select(0, centre));
        var edgeVec = strainedPos.index_select(0, edgeIndex[1]) - strainedPos.index_select(0, centre) +
                      shift.unsqueeze(1).bmm(edgeCell).squeeze(1);
        var atomic = _model.forward(edgeVec, edgeIndex, atomTypes);
        var energy = zeros(graphs, dtype: Dtype).index_add(0, b, atomic[.., 0], 1);
        CheckGradientMode(energy);
        var grads = autograd.grad(new[] { energy.sum() }, new[] { pos, strain }, retain_graph: training,
            create_graph: training, allow_unused: true);
        return new PotentialOutput(energy, -grads[0], atomic, -grads[1]);
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
        using var graph = Training.Graph.FromConfiguration(configuration, _model.Config.RMax, Dtype);
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

    /// <summary>Refuses to differentiate an energy computed without gradient mode (LibTorch would abort the process).</summary>
    [EagerOnly]
    private static void CheckGradientMode(Tensor energy)
    {
        if (!energy.requires_grad)
        {
            throw new InvalidOperationException(
                "AllegroEnergyForces: the energy is not connected to the positions by autograd, so forces cannot be " +
                "taken; call the potential with gradient mode enabled (not inside no_grad()) and with at least one edge.");
        }
    }
}
