using E3Sharp.Samples.Potential;
using E3Sharp.Samples.Potential.Data;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>
/// The committed trained model against its twin written with e3nn 0.5.6 (bench/e3nn-twin: e3nn's own modules, the same
/// weights, compiled by <c>e3nn.util.jit.compile</c> in PyTorch 1.13 and loaded here in LibTorch 2.10): the same
/// energies and forces. The twin is an independent implementation of the same model, so this checks E3Sharp's model
/// (Linear, SphericalHarmonics, the per-edge-weight TensorProduct, FullyConnectedTensorProduct, Gate, the radial
/// network) against e3nn's. The archives carry the committed weights: after new weights, rerun
/// <c>bash bench/potential-bench.sh --save-twin</c>.
/// </summary>
public class E3nnTwinTests
{
    [Theory]
    [InlineData(ScalarType.Float32, 1e-5)]
    [InlineData(ScalarType.Float64, 1e-10)]
    public void TwinArchiveGivesTheTrainedModelsEnergiesAndForces(ScalarType dtype, double tolerance)
    {
        using var scope = NewDisposeScope();
        var data = EmtData.DefaultDirectory();
        var archive = Path.GetFullPath(Path.Combine(data, "..", "..", "..", "bench", "e3nn-twin",
            $"twin_{(dtype == ScalarType.Float64 ? "float64" : "float32")}.pt"));
        Assert.True(File.Exists(archive), $"the e3nn twin archive {archive} is missing");
        var trained = Cli.LoadTrained(Path.Combine(data, "cu_emt_model")).Model;
        var model = new AtomicEnergyModel(trained.Config, dtype);
        var target = model.state_dict();
        using (no_grad())
        {
            foreach (var (name, value) in trained.state_dict())
            {
                target[name].copy_(value.to_type(dtype));
            }
        }

        using var twin = jit.load(archive);
        var frames = new[]
        {
            Bench.CopperCell(2, seed: 5),
            DataGenerator.RandomCluster(40, 1, 2.3, new Random(11)),
            ExtendedXyz.Read(Path.Combine(data, "cu_emt_test.xyz"), new List<string> { "Cu" })[0],
        };
        foreach (var frame in frames)
        {
            var g = Graph.FromConfiguration(frame, trained.Config.RMax, dtype);
            Assert.True(g.EdgeIndex.shape[1] > 100, "the frame should have many edges");
            var (e, f) = EnergyForces(model.forward, g);
            var (eTwin, fTwin) = EnergyForces((v, i, t) => (Tensor)twin.invoke("forward", v, i, t), g);
            var de = (e - eTwin).abs().max().to_type(ScalarType.Float64).item<double>();
            var df = (f - fTwin).abs().max().to_type(ScalarType.Float64).item<double>();
            Assert.True(f.abs().max().to_type(ScalarType.Float64).item<double>() > 0.05, "the forces should not vanish");
            Assert.True(de <= tolerance && df <= tolerance,
                $"E3Sharp vs the e3nn twin ({dtype}, {frame.Count} atoms): |dE| {de:E2} eV, max |dF| {df:E2} eV/Å, " +
                $"limit {tolerance:E0}; if the committed weights changed, rerun bash bench/potential-bench.sh --save-twin");
        }
    }

    /// <summary>Energy and forces with the edge vectors formed outside the per-atom energy function (as the bench).</summary>
    private static (Tensor Energy, Tensor Forces) EnergyForces(Func<Tensor, Tensor, Tensor, Tensor> f, Graph g)
    {
        var pos = g.Positions.detach().requires_grad_(true);
        var edgeCell = g.Cells.index_select(0, g.GraphIndex.index_select(0, g.EdgeIndex[0]));
        var edgeVec = pos.index_select(0, g.EdgeIndex[1]) - pos.index_select(0, g.EdgeIndex[0]) +
                      g.EdgeCellShift.unsqueeze(1).bmm(edgeCell).squeeze(1);
        var energy = f(edgeVec, g.EdgeIndex, g.AtomTypes).sum();
        var grads = autograd.grad(new[] { energy }, new[] { pos });
        return (energy, -grads[0]);
    }
}
