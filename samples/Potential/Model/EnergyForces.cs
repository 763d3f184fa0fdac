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
/// Tracing cannot record <c>torch.autograd.grad</c>, so this module is meant to be scripted. It has no compile mode
/// yet: E3Sharp's scripting subset does not translate <c>torch.autograd.grad</c> and <c>Tensor.requires_grad_</c>
/// (see docs/potential.md, "Status"); its child <see cref="AtomicEnergyModel"/> is scripted.
/// </remarks>
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
