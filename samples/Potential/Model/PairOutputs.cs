using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// The output dictionary of both pair styles' contracts (pair_nequip's and pair_allegro's keys, all float64):
/// <c>total_energy</c> <c>[1, 1]</c>, <c>forces</c> <c>[N, 3]</c>, <c>atomic_energy</c> <c>[N, 1]</c>, <c>virial</c>
/// <c>[1, 3, 3]</c>. A stateless scripted child of <see cref="StrainedPotential{TModel}"/>, as <see cref="StrainedEdges"/>.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class PairOutputs : nn.Module<Tensor, Tensor, Tensor, Tensor, Dictionary<string, Tensor>>
{
    /// <summary>Creates the module (it has no state).</summary>
    public PairOutputs() : base(nameof(PairOutputs))
    {
    }

    /// <summary>The float64 output dictionary.</summary>
    /// <param name="energy">Total energy of the one configuration (one element).</param>
    /// <param name="forces">Forces <c>[N, 3]</c>.</param>
    /// <param name="atomicEnergy">Per-atom energies <c>[N, 1]</c>.</param>
    /// <param name="virial">Virial <c>[1, 3, 3]</c>.</param>
    /// <returns><c>total_energy</c>, <c>forces</c>, <c>atomic_energy</c>, <c>virial</c>.</returns>
    public override Dictionary<string, Tensor> forward(Tensor energy, Tensor forces, Tensor atomicEnergy, Tensor virial)
    {
        return new Dictionary<string, Tensor>
        {
            ["total_energy"] = energy.reshape(1, 1).to_type(ScalarType.Float64),
            ["forces"] = forces.to_type(ScalarType.Float64),
            ["atomic_energy"] = atomicEnergy.to_type(ScalarType.Float64),
            ["virial"] = virial.to_type(ScalarType.Float64),
        };
    }
}
