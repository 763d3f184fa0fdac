using E3Sharp.Jit;
using E3Sharp.Samples.Potential;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.PotentialBench;

/// <summary>A per-atom energy function <c>(edge_vec [E, 3], edge_index [2, E], atom_types [N]) → [N, 1]</c>.</summary>
public delegate Tensor AtomicEnergy(Tensor edgeVec, Tensor edgeIndex, Tensor atomTypes);

/// <summary>
/// Loading the trained model, its float64 copy, compiling it, loading the e3nn twin, and the one energy+forces
/// evaluation every variant is timed with.
/// </summary>
public static class Potentials
{
    /// <summary>The trained model of a weights folder (<c>config.json</c>, <c>model.bin</c>) in the given dtype.</summary>
    public static AtomicEnergyModel Load(string dir, ScalarType dtype)
    {
        var trained = Cli.LoadTrained(dir).Model;
        if (dtype == trained.Dtype)
        {
            return trained;
        }

        var model = new AtomicEnergyModel(trained.Config, dtype);
        var target = model.state_dict();
        using (no_grad())
        {
            foreach (var (name, value) in trained.state_dict())
            {
                target[name].copy_(value.to_type(dtype));
            }
        }

        model.eval();
        return model;
    }

    /// <summary><c>TorchScript.Compile</c> of the model, with its dtype as the default dtype (as the deployment does).</summary>
    public static jit.ScriptModule Compile(AtomicEnergyModel model)
    {
        var previous = get_default_dtype();
        set_default_dtype(model.Dtype);
        try
        {
            return TorchScript.Compile(model);
        }
        finally
        {
            set_default_dtype(previous);
        }
    }

    /// <summary>
    /// Marks parameters as not requiring grad (PyTorch's <c>requires_grad_(False)</c> for inference). Eager autograd
    /// skips the gradients <c>autograd.grad</c> was not asked for either way; TorchScript's differentiable subgraphs
    /// compute a gradient for every input that requires one, parameters included.
    /// </summary>
    public static void FreezeParameters(IEnumerable<Tensor> parameters)
    {
        foreach (var p in parameters)
        {
            p.requires_grad_(false);
        }
    }

    /// <summary>The eager model as a per-atom energy function.</summary>
    public static AtomicEnergy Eager(AtomicEnergyModel model) => model.forward;

    /// <summary>A TorchScript module (E3Sharp's compiled model or the e3nn twin archive) as a per-atom energy function.</summary>
    public static AtomicEnergy Script(jit.ScriptModule module) =>
        (edgeVec, edgeIndex, atomTypes) => (Tensor)module.invoke("forward", edgeVec, edgeIndex, atomTypes);

    /// <summary>
    /// Energy per configuration and forces: edge vectors <c>pos[j] − pos[i] + shift · cell</c> from positions that
    /// require grad, per-atom energies from <paramref name="f"/>, summed per configuration, and
    /// <c>forces = −∂E/∂pos</c> by autograd (the same code around every variant; bench/e3nn-twin/twin.py mirrors it).
    /// </summary>
    public static (Tensor Energy, Tensor Forces) EnergyForces(AtomicEnergy f, Graph g, bool createGraph = false)
    {
        var pos = g.Positions.detach().requires_grad_(true);
        var centre = g.EdgeIndex[0];
        var neighbour = g.EdgeIndex[1];
        var edgeCell = g.Cells.index_select(0, g.GraphIndex.index_select(0, centre));
        var edgeVec = pos.index_select(0, neighbour) - pos.index_select(0, centre) +
                      g.EdgeCellShift.unsqueeze(1).bmm(edgeCell).squeeze(1);
        var atomic = f(edgeVec, g.EdgeIndex, g.AtomTypes);
        var energy = zeros(g.GraphCount, dtype: pos.dtype).index_add(0, g.GraphIndex, atomic.select(1, 0), 1);
        var grads = autograd.grad(new[] { energy.sum() }, new[] { pos }, retain_graph: createGraph, create_graph: createGraph);
        return (energy, -grads[0]);
    }
}
