using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// The deployable potential: total energy and forces <c>F = −∂E/∂pos</c>, taken with autograd inside
/// <c>forward</c> (so it is scripted: tracing cannot record <c>torch.autograd.grad</c>). In training mode the gradient
/// graph is kept (<c>create_graph</c>) so that a force loss can be trained; in eval mode it is not. Like NequIP's
/// models it needs gradient mode: inside <c>no_grad()</c> it throws.
/// </summary>
/// <remarks>
/// Scripted (tracing cannot record <c>torch.autograd.grad</c>): the compiled module exposes
/// <c>forward(pos, edge_index, atom_types) -> (energy, forces)</c> and the pair-style method
/// <c>pair_forward(Dict[str, Tensor]) -> Dict[str, Tensor]</c> (<see cref="PairForward"/>, NequIP's keys).
/// </remarks>
[CompileMode(JitMode.Script)]
public partial class EnergyForces : nn.Module<Tensor, Tensor, Tensor, (Tensor Energy, Tensor Forces)>
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

    /// <summary>Energy and forces of one configuration (or of a batch of disconnected ones: the sum of energies).</summary>
    /// <param name="pos">Positions <c>[N, 3]</c> (Å).</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64).</param>
    /// <param name="atomTypes">Species indices <c>[N]</c> (int64).</param>
    /// <returns>Total energy <c>[1]</c> (eV) and forces <c>[N, 3]</c> (eV/Å).</returns>
    public override (Tensor Energy, Tensor Forces) forward(Tensor pos, Tensor edgeIndex, Tensor atomTypes)
    {
        var (energy, forces, _) = EnergyForcesAtomic(pos, edgeIndex, atomTypes);
        return (energy, forces);
    }

    /// <summary>Energy <c>[1]</c>, forces <c>[N, 3]</c> and per-atom energies <c>[N, 1]</c>.</summary>
    /// <param name="pos">Positions <c>[N, 3]</c> (Å).</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64).</param>
    /// <param name="atomTypes">Species indices <c>[N]</c> (int64).</param>
    public (Tensor Energy, Tensor Forces, Tensor AtomicEnergy) EnergyForcesAtomic(Tensor pos, Tensor edgeIndex,
        Tensor atomTypes)
    {
        pos.requires_grad_(true);
        var atomic = _model.forward(pos, edgeIndex, atomTypes);
        var energy = atomic.sum(new long[] { 0 });
        CheckGradientMode(energy);
        var grads = autograd.grad(new[] { energy }, new[] { pos }, retain_graph: training, create_graph: training, allow_unused: true);
        var forces = -grads[0];
        return (energy, forces, atomic);
    }

    /// <summary>
    /// The pair-style interface (TorchScript method <c>pair_forward</c>): NequIP's input keys <c>pos</c>,
    /// <c>edge_index</c>, <c>atom_types</c> in, <c>total_energy</c>, <c>forces</c>, <c>atomic_energy</c> out.
    /// </summary>
    /// <param name="data">The input dictionary.</param>
    /// <returns>The output dictionary.</returns>
    [Export(Name = "pair_forward")]
    public Dictionary<string, Tensor> PairForward(Dictionary<string, Tensor> data)
    {
        CheckPairInput(data);
        var (energy, forces, atomic) = EnergyForcesAtomic(data["pos"], data["edge_index"], data["atom_types"]);
        return new Dictionary<string, Tensor>
        {
            ["total_energy"] = energy,
            ["forces"] = forces,
            ["atomic_energy"] = atomic,
        };
    }

    /// <summary>Names the missing key of a pair-style input dictionary (instead of a bare KeyNotFoundException).</summary>
    [EagerOnly]
    private static void CheckPairInput(Dictionary<string, Tensor> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        foreach (var key in new[] { "pos", "edge_index", "atom_types" })
        {
            if (!data.ContainsKey(key))
            {
                throw new ArgumentException(
                    $"EnergyForces.PairForward: the input dictionary has no '{key}' entry; it needs pos, edge_index and " +
                    $"atom_types (it has {string.Join(", ", data.Keys)}).", nameof(data));
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
                "call the potential with gradient mode enabled (not inside no_grad()).");
        }
    }
}
