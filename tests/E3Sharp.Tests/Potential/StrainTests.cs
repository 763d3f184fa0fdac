using E3Sharp.Jit;
using E3Sharp.Samples.Potential;
using E3Sharp.Samples.Potential.Data;
using E3Sharp.Samples.Potential.Deploy;
using E3Sharp.Samples.Potential.Model;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>
/// The pieces both potentials share (<see cref="StrainedPotential{TModel}"/> and its children <see cref="StrainedEdges"/>,
/// <see cref="StrainGradients"/>, <see cref="PairOutputs"/>): a pair energy with analytic forces and virial as the
/// reference, train/eval graphs, the eager error, no state of their own, scripted children.
/// </summary>
[Collection(nameof(DefaultDtypeCollection))]
public class StrainTests
{
    // Two configurations: a triclinic periodic cell (edges with image shifts) and a cluster (zero cell).
    private static readonly double[,] Pos =
    {
        { 0.1, 0.2, 0.3 }, { 1.9, 0.4, 0.1 }, { 0.7, 2.1, 1.2 }, { 2.2, 1.8, 2.5 },
        { 10.0, 10.5, 9.8 }, { 11.6, 10.1, 10.3 }, { 10.4, 12.0, 10.9 },
    };

    private static readonly long[] Batch = { 0, 0, 0, 0, 1, 1, 1 };

    private static readonly double[,,] Cells =
    {
        { { 3.1, 0.0, 0.0 }, { 0.6, 2.9, 0.0 }, { -0.4, 0.5, 3.3 } },
        { { 0.0, 0.0, 0.0 }, { 0.0, 0.0, 0.0 }, { 0.0, 0.0, 0.0 } },
    };

    // (centre, neighbour, shift): periodic edges with shifts in the first configuration, plain ones in the cluster.
    private static readonly (int I, int J, int[] S)[] Edges =
    {
        (0, 1, new[] { 0, 0, 0 }), (1, 0, new[] { 0, 0, 0 }), (0, 2, new[] { 1, 0, 0 }), (2, 0, new[] { -1, 0, 0 }),
        (1, 3, new[] { 0, -1, 1 }), (3, 1, new[] { 0, 1, -1 }), (3, 3, new[] { 1, 0, 0 }), (2, 1, new[] { 0, 0, -1 }),
        (4, 5, new[] { 0, 0, 0 }), (5, 4, new[] { 0, 0, 0 }), (5, 6, new[] { 0, 0, 0 }), (6, 4, new[] { 0, 0, 0 }),
    };

    // The edge vector pos[j] - pos[i] + S · cell of the configuration of i, in plain C#.
    private static double[] EdgeVector(int e)
    {
        var (i, j, s) = Edges[e];
        var g = Batch[i];
        var r = new double[3];
        for (var a = 0; a < 3; a++)
        {
            r[a] = Pos[j, a] - Pos[i, a];
            for (var k = 0; k < 3; k++)
            {
                r[a] += s[k] * Cells[g, k, a];
            }
        }

        return r;
    }

    private static (Tensor Pos, Tensor EdgeIndex, Tensor Shift, Tensor Cell, Tensor Batch) Inputs()
    {
        var edgeIndex = tensor(Edges.Select(e => (long)e.I).Concat(Edges.Select(e => (long)e.J)).ToArray()).reshape(2, -1);
        var shift = tensor(Edges.SelectMany(e => e.S.Select(x => (double)x)).ToArray()).reshape(-1, 3);
        return (tensor(Pos), edgeIndex, shift, tensor(Cells), tensor(Batch));
    }

    [Fact]
    public void PairEnergyGivesAnalyticEdgeVectorsForcesAndVirial()
    {
        using var scope = NewDisposeScope();
        var (pos, edgeIndex, shift, cell, batch) = Inputs();
        using var edges = new StrainedEdges();
        using var gradients = new StrainGradients("Test");
        gradients.eval();
        var (strain, edgeVec) = edges.forward(pos, edgeIndex, shift, cell, batch);
        Assert.True(pos.requires_grad && strain.requires_grad);
        Assert.Equal(new long[] { 2, 3, 3 }, strain.shape);
        Assert.Equal(0.0, strain.abs().sum().item<double>());

        // E_g = sum over the edges of configuration g of |r|^2 / 2, so dE/dr = r: under r' = r (1 + ε) the virial is
        // -sum r r^T, and each edge pulls its centre by +r and pushes its neighbour by -r.
        var energy = zeros(2, dtype: ScalarType.Float64).index_add(0, batch.index_select(0, edgeIndex[0]),
            0.5 * edgeVec.square().sum(1), 1);
        var (forces, virial) = gradients.forward(energy, pos, strain);
        var expectedForces = new double[7, 3];
        var expectedVirial = new double[2, 3, 3];
        for (var e = 0; e < Edges.Length; e++)
        {
            var r = EdgeVector(e);
            var (i, j, _) = Edges[e];
            for (var a = 0; a < 3; a++)
            {
                Assert.Equal(r[a], edgeVec[e, a].item<double>(), 12);
                expectedForces[i, a] += r[a];
                expectedForces[j, a] -= r[a];
                for (var b = 0; b < 3; b++)
                {
                    expectedVirial[Batch[i], a, b] -= r[a] * r[b];
                }
            }
        }

        Assert.True(forces.allclose(tensor(expectedForces), rtol: 0, atol: 1e-12),
            forces.ToString(TorchSharp.TensorStringStyle.Julia));
        Assert.True(virial.allclose(tensor(expectedVirial), rtol: 0, atol: 1e-12),
            virial.ToString(TorchSharp.TensorStringStyle.Julia));
        Assert.False(forces.requires_grad, "eval mode keeps no gradient graph");
    }

    [Fact]
    public void TrainingModeKeepsTheGraphForForceLosses()
    {
        using var scope = NewDisposeScope();
        var (pos, edgeIndex, shift, cell, batch) = Inputs();
        using var edges = new StrainedEdges();
        using var gradients = new StrainGradients("Test");
        gradients.train();
        var (strain, edgeVec) = edges.forward(pos, edgeIndex, shift, cell, batch);
        var energy = (0.25 * edgeVec.square().sum(1).square()).sum();
        var (forces, virial) = gradients.forward(energy, pos, strain);
        Assert.True(forces.requires_grad && virial.requires_grad);
        // d/dpos of sum F^2 exists only through the kept graph (second derivatives of a quartic pair energy).
        var second = autograd.grad(new[] { forces.square().sum() }, new[] { pos })[0];
        Assert.True(second.abs().max().item<double>() > 1e-3);
    }

    [Fact]
    public void WithoutGradientModeTheErrorNamesThePotential()
    {
        using var scope = NewDisposeScope();
        var potential = AllegroModelTests.NewAllegro(ScalarType.Float32);
        var g = ModelTests.Cluster(4, 1, ScalarType.Float32);
        using (no_grad())
        {
            var e = Assert.Throws<InvalidOperationException>(() => g.Evaluate(potential));
            Assert.StartsWith("AllegroEnergyForces: the energy is not connected to the positions by autograd", e.Message);
        }
    }

    [Fact]
    public void HelpersAddNoStateSoTheCommittedWeightsLoad()
    {
        using var scope = NewDisposeScope();
        var data = EmtData.DefaultDirectory();
        var nequip = Cli.LoadTrained(Path.Combine(data, "cu_emt_model"));
        var allegro = Cli.LoadTrainedAllegro(Path.Combine(data, "cu_emt_allegro"));
        var children = new[] { "model", "strained_edges", "strain_gradients", "pair_outputs" };
        foreach (var potential in new TorchSharp.torch.nn.Module[] { nequip, allegro })
        {
            var model = potential.named_children().First().module;
            Assert.Equal(model.state_dict().Keys.Select(k => "model." + k).Order(), potential.state_dict().Keys.Order());
            Assert.Equal(children, potential.named_children().Select(c => c.name));
        }
    }

    [Fact]
    public void BothPotentialsScriptTheHelpers()
    {
        using var scope = NewDisposeScope();
        var nequip = TorchScript.Describe(Deployment.Compile(ModelTests.NewPotential(ScalarType.Float32)));
        var allegro = TorchScript.Describe(Deployment.Compile(AllegroModelTests.NewAllegro(ScalarType.Float32)));
        foreach (var description in new[] { nequip, allegro })
        {
            Assert.Contains("strained_edges: StrainedEdges: scripted", description);
            Assert.Contains("strain_gradients: StrainGradients: scripted", description);
            Assert.Contains("pair_outputs: PairOutputs: scripted", description);
        }
    }
}
