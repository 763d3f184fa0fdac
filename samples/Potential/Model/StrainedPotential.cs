using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// What <see cref="EnergyForces"/> and <see cref="Allegro.AllegroEnergyForces"/> share: the per-atom energy model
/// (the child <c>model</c>, so that state dict names are <c>model.*</c>), the stateless children
/// (<see cref="StrainedEdges"/>, <see cref="StrainGradients"/>, <see cref="PairOutputs"/>), <see cref="IPotential"/>'s
/// members and the checks of <see cref="Evaluate"/>. Subclasses hold <c>forward</c> (their pair style's contract,
/// scripted: the generator translates only a class's own methods, so the shared pieces it calls are child modules)
/// and the batched body.
/// </summary>
/// <typeparam name="TModel">The per-atom energy model.</typeparam>
public abstract class StrainedPotential<TModel> : nn.Module<Dictionary<string, Tensor>, Dictionary<string, Tensor>>,
    IPotential
    where TModel : nn.Module<Tensor, Tensor, Tensor, Tensor>, IAtomicEnergyModel
{
    private readonly string _name;

    /// <summary>Wraps a per-atom energy model.</summary>
    /// <param name="name">The potential's name (module name and error messages).</param>
    /// <param name="model">The model.</param>
    protected StrainedPotential(string name, TModel model) : base(name)
    {
        ArgumentNullException.ThrowIfNull(model);
        _name = name;
        Model = model;
        StrainedEdges = new StrainedEdges();
        StrainGradients = new StrainGradients(name);
        PairOutputs = new PairOutputs();
        // Registered by hand: RegisterComponents does not see a base class's private fields.
        register_module("model", model);
        register_module("strained_edges", StrainedEdges);
        register_module("strain_gradients", StrainGradients);
        register_module("pair_outputs", PairOutputs);
    }

    /// <summary>The per-atom energy model.</summary>
    public TModel Model { get; }

    /// <summary>The model's floating dtype (inputs are converted to it).</summary>
    public ScalarType Dtype => Model.Dtype;

    /// <summary>Strain and strained edge vectors (a stateless child).</summary>
    protected StrainedEdges StrainedEdges { get; }

    /// <summary>Forces and virial by one autograd call (a stateless child).</summary>
    protected StrainGradients StrainGradients { get; }

    /// <summary>The float64 output dictionary of <c>forward</c> (a stateless child).</summary>
    protected PairOutputs PairOutputs { get; }

    /// <inheritdoc />
    nn.Module IPotential.Module => this;

    /// <inheritdoc />
    double IPotential.RMax => Model.RMax;

    /// <inheritdoc />
    IReadOnlyList<string> IPotential.TypeNames => Model.TypeNames;

    /// <inheritdoc />
    void IPotential.SetScaleShift(double scale, IReadOnlyList<double> shifts) => Model.SetScaleShift(scale, shifts);

    /// <summary>
    /// Energies, forces, per-atom energies and virials (the typed entry point for C# callers and training; batches of
    /// configurations are disconnected graphs told apart by <paramref name="batch"/>; periodic images come from
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
        var (shift, c, b) = PotentialInputs.ForEvaluate(_name, Dtype, pos, edgeIndex, atomTypes, edgeCellShift,
            cell, batch);
        return EvaluateBatch(pos, edgeIndex, atomTypes, shift, c, b);
    }

    /// <summary><see cref="Evaluate"/> on checked inputs, the defaults filled in.</summary>
    /// <param name="pos">Positions <c>[N, 3]</c>.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c>.</param>
    /// <param name="atomTypes">Species indices <c>[N]</c>.</param>
    /// <param name="edgeCellShift">Image shifts <c>[E, 3]</c>, in the model's dtype.</param>
    /// <param name="cell">Cells <c>[G, 3, 3]</c>, in the model's dtype.</param>
    /// <param name="batch">Configuration index per atom <c>[N]</c>.</param>
    protected abstract PotentialOutput EvaluateBatch(Tensor pos, Tensor edgeIndex, Tensor atomTypes,
        Tensor edgeCellShift, Tensor cell, Tensor batch);
}
