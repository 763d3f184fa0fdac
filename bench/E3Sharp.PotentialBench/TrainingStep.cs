using E3Sharp.Samples.Potential.Data;
using E3Sharp.Samples.Potential.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.PotentialBench;

/// <summary>
/// One training step on a batch of labelled configurations: forward, forces by autograd with <c>create_graph</c>,
/// <c>loss = mean |F − F_ref|² + mean ((E − E_ref) / N)²</c>, backward, Adam (bench/e3nn-twin/twin.py mirrors it).
/// </summary>
public sealed class TrainingStep
{
    /// <summary>Frames in the training batch.</summary>
    public const int BatchFrames = 8;

    private readonly AtomicEnergy _model;
    private readonly optim.Optimizer _optimizer;
    private readonly Graph _graph;

    /// <summary>Prepares the step for a model with these parameters.</summary>
    public TrainingStep(AtomicEnergy model, IEnumerable<TorchSharp.Modules.Parameter> parameters, Graph graph)
    {
        _model = model;
        _graph = graph;
        _optimizer = optim.Adam(parameters, lr: 1e-3);
    }

    /// <summary>The training batch: the first <see cref="BatchFrames"/> frames of samples/Potential's EMT training set.</summary>
    public static BenchSystem Batch()
    {
        var frames = ExtendedXyz.Read(Path.Combine(EmtData.DefaultDirectory(), "cu_emt_train.xyz"), new List<string> { "Cu" });
        return new BenchSystem($"train-{BatchFrames}x{frames[0].Count}", frames.Take(BatchFrames).ToList());
    }

    /// <summary>One step; returns the loss.</summary>
    public double Step()
    {
        _optimizer.zero_grad();
        var (energy, forces) = Potentials.EnergyForces(_model, _graph, createGraph: true);
        var energyTerm = ((energy - _graph.Energies!) / _graph.AtomCounts).square().mean();
        var loss = (forces - _graph.Forces!).square().mean() + energyTerm;
        loss.backward();
        _optimizer.step();
        return loss.to_type(ScalarType.Float64).item<double>();
    }
}
