using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// The derivative half of forces and virials by one autograd call, shared by <see cref="EnergyForces"/> and
/// <see cref="Allegro.AllegroEnergyForces"/>: <c>forces = −∂E/∂pos</c> and <c>virial = −∂E/∂ε</c> of the summed
/// energy, for the positions and the strain ε the energy was computed from (<see cref="StrainedEdges"/>). In training
/// mode the gradient graph is kept (<c>create_graph</c>) so that force and stress losses can be trained.
/// </summary>
/// <remarks>
/// A stateless child module (no parameters or buffers), as <see cref="StrainedEdges"/>; scripted, since tracing
/// cannot record <c>torch.autograd.grad</c>.
/// </remarks>
[CompileMode(JitMode.Script)]
public partial class StrainGradients : nn.Module<Tensor, Tensor, Tensor, (Tensor, Tensor)>
{
    private readonly string _owner;

    /// <summary>Creates the module (it has no state).</summary>
    /// <param name="owner">The potential's name, for the error of an energy computed without gradient mode.</param>
    public StrainGradients(string owner) : base(nameof(StrainGradients))
    {
        ArgumentNullException.ThrowIfNull(owner);
        _owner = owner;
    }

    /// <summary>Forces and virial.</summary>
    /// <param name="energy">Energies (any shape; their sum is differentiated).</param>
    /// <param name="pos">The positions the energy was computed from (requiring grad).</param>
    /// <param name="strain">The strain the energy was computed from (requiring grad).</param>
    /// <returns>Forces <c>−∂E/∂pos</c> (the shape of <paramref name="pos"/>) and virial <c>−∂E/∂ε</c> (the shape of
    /// <paramref name="strain"/>).</returns>
    public override (Tensor, Tensor) forward(Tensor energy, Tensor pos, Tensor strain)
    {
        CheckGradientMode(energy);
        var grads = autograd.grad(new[] { energy.sum() }, new[] { pos, strain }, retain_graph: training,
            create_graph: training, allow_unused: true);
        return (-grads[0], -grads[1]);
    }

    /// <summary>Refuses to differentiate an energy computed without gradient mode (LibTorch would abort the process).</summary>
    [EagerOnly]
    private void CheckGradientMode(Tensor energy)
    {
        if (!energy.requires_grad)
        {
            throw new InvalidOperationException(
                $"{_owner}: the energy is not connected to the positions by autograd, so forces cannot be taken; " +
                "call the potential with gradient mode enabled (not inside no_grad()) and with at least one edge.");
        }
    }
}
