using E3Sharp.O3;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using E3Sharp.Testing;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>The eager NequIP-style model: forces, symmetries, smoothness, training.</summary>
public class ModelTests
{
    internal static EnergyForces NewPotential(ScalarType dtype, int seed = 0, ModelConfig? config = null,
        double[]? shifts = null)
    {
        manual_seed(seed);
        var model = new AtomicEnergyModel(config ?? new ModelConfig { AvgNumNeighbors = 6.0 }, dtype);
        // Non-trivial scale and shifts so that they are part of every check.
        model.SetScaleShift(0.3, shifts ?? new[] { -0.2, 0.1 });
        var potential = new EnergyForces(model);
        potential.eval();
        return potential;
    }

    internal static Graph Cluster(int n, int seed, ScalarType dtype, double minDistance = 2.4) =>
        Graph.FromConfiguration(DataGenerator.RandomCluster(n, 2, minDistance, new Random(seed)), 5.0, dtype);

    [Fact]
    public void ForcesAreMinusTheGradientOfTheEnergy()
    {
        using var scope = NewDisposeScope();
        var potential = NewPotential(ScalarType.Float64);
        var g = Cluster(7, 1, ScalarType.Float64);
        var (_, forces) = potential.Call(g.Positions.clone(), g.EdgeIndex, g.AtomTypes);
        const double h = 1e-5;
        var n = g.Positions.shape[0];
        var maxForce = forces.abs().max().item<double>();
        Assert.True(maxForce > 1e-4, $"forces should be non-trivial, largest is {maxForce}");
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                using var inner = NewDisposeScope();
                var plus = g.Positions.clone();
                var minus = g.Positions.clone();
                plus[i, k] += h;
                minus[i, k] -= h;
                var ep = potential.Call(plus, g.EdgeIndex, g.AtomTypes).Energy.item<double>();
                var em = potential.Call(minus, g.EdgeIndex, g.AtomTypes).Energy.item<double>();
                var fd = -(ep - em) / (2 * h);
                var f = forces[i, k].item<double>();
                Assert.True(Math.Abs(fd - f) < 1e-7, $"atom {i} component {k}: autograd force {f:R}, finite difference {fd:R}");
            }
        }
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void EnergyIsInvariantAndForcesEquivariant(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var potential = NewPotential(dtype, seed: 2);
        var g = Cluster(9, 2, dtype);
        var errors = Assertions.AssertEquivariant(
            args =>
            {
                // AssertEquivariant evaluates under no_grad(); forces need gradient mode.
                using var grad = enable_grad();
                return Flatten(potential.Call(args[0], args[1], args[2]));
            },
            new Irreps?[] { new Irreps("1x1o"), null, null },
            new Irreps?[] { new Irreps("1x0e"), new Irreps("1x1o") },
            () => new[] { g.Positions.clone(), g.EdgeIndex, g.AtomTypes },
            tolerance: dtype == ScalarType.Float64 ? 1e-10 : 1e-4,
            trials: 2,
            name: "EnergyForces");
        Assert.Equal(2, errors.Count); // rotations, and rotations with inversion
    }

    [Fact]
    public void TranslationAndPermutationSymmetry()
    {
        using var scope = NewDisposeScope();
        var potential = NewPotential(ScalarType.Float64, seed: 3);
        var g = Cluster(8, 3, ScalarType.Float64);
        var (e, f) = potential.Call(g.Positions.clone(), g.EdgeIndex, g.AtomTypes);

        var shifted = g.Positions + tensor(new[] { 3.0, -1.5, 0.25 }, dtype: ScalarType.Float64);
        var (e2, f2) = potential.Call(shifted, g.EdgeIndex, g.AtomTypes);
        Assert.Equal(e.item<double>(), e2.item<double>(), 10);
        Assert.True(f.allclose(f2, rtol: 0, atol: 1e-10));

        // Permute atoms: new atom k is old atom perm[k]; edges are renumbered with the inverse permutation.
        var perm = tensor(new long[] { 3, 0, 7, 1, 6, 2, 5, 4 });
        var inverse = argsort(perm);
        var (e3, f3) = potential.Call(g.Positions.index_select(0, perm).clone(),
            inverse.index_select(0, g.EdgeIndex.reshape(-1)).reshape(2, -1), g.AtomTypes.index_select(0, perm));
        Assert.Equal(e.item<double>(), e3.item<double>(), 10);
        Assert.True(f.index_select(0, perm).allclose(f3, rtol: 0, atol: 1e-10));
    }

    [Fact]
    public void EnergyIsSmoothWhenANeighbourCrossesTheCutoff()
    {
        using var scope = NewDisposeScope();
        var potential = NewPotential(ScalarType.Float64, seed: 4);
        var rMax = potential.Model.Config.RMax;
        double Energy(double d)
        {
            var c = new Configuration(new double[,] { { 0, 0, 0 }, { d, 0.0, 0.0 } }, new[] { 0, 1 });
            using var g = Graph.FromConfiguration(c, rMax, ScalarType.Float64);
            return potential.Call(g.Positions, g.EdgeIndex, g.AtomTypes).Energy.item<double>();
        }

        var inside = Energy(rMax - 1e-3);
        var outside = Energy(rMax + 1e-3);
        Assert.True(Math.Abs(inside - outside) < 1e-7, $"energy jumps at the cutoff: {inside:R} vs {outside:R}");
        // Well inside the cutoff the pair interacts (the weights come from the global generator, which other tests
        // running at the same time also draw from: look at several distances, not one).
        var interaction = new[] { 1.5, 2.5, 3.5 }.Max(d => Math.Abs(Energy(d) - outside));
        Assert.True(interaction > 1e-6, $"the pair should interact well inside the cutoff (largest change {interaction:G3})");
    }

    [Fact]
    public void QuickTrainingReducesTheValidationForceError()
    {
        using var scope = NewDisposeScope();
        var data = Dataset.Generate(ReferencePotential.Default, trainTrajectories: 3, heldOutTrajectories: 1,
            framesPerTrajectory: 12, seed: 11);
        manual_seed(5);
        var potential = new EnergyForces(new AtomicEnergyModel(new ModelConfig
        {
            AvgNumNeighbors = Dataset.AverageNeighbors(data.Train, 5.0),
        }));
        var trainer = new Trainer(potential, new TrainOptions
        {
            Epochs = 5, BatchSize = 2, LearningRate = 1e-2, FinalLearningRate = 3e-3,
        });
        trainer.Fit(data.Train, data.Validation);
        Assert.Equal(5, trainer.History.Count);
        var first = trainer.History[0].Validation.ForceRmse;
        var last = trainer.History[^1].Validation.ForceRmse;
        var std = Dataset.ForceStd(data.Validation);
        Assert.True(last < 0.5 * std, $"after quick training the validation force RMSE {last:F4} should be well below " +
                                      $"the force std {std:F4} (first epoch {first:F4})");
        Assert.False(potential.training);

        // Fit ends with the weights of the epoch with the best validation score (F-RMSE² + w_E E-MAE², w_E = 1 here).
        var best = trainer.History.MinBy(r => r.Validation.ForceRmse * r.Validation.ForceRmse +
                                               r.Validation.EnergyMaePerAtom * r.Validation.EnergyMaePerAtom)!;
        Assert.Equal(best.Epoch, trainer.BestEpoch);
        var now = Trainer.Evaluate(potential, data.Validation);
        Assert.Equal(best.Validation.ForceRmse, now.ForceRmse, 1e-6);
        Assert.Equal(best.Validation.EnergyMaePerAtom, now.EnergyMaePerAtom, 1e-6);
    }

    [Fact]
    public void TrainingStopsWhenItsTimeBudgetIsSpent()
    {
        using var scope = NewDisposeScope();
        var data = Dataset.Generate(ReferencePotential.Default, trainTrajectories: 1, heldOutTrajectories: 1,
            framesPerTrajectory: 6, seed: 12);
        manual_seed(6);
        var potential = new EnergyForces(new AtomicEnergyModel(new ModelConfig
        {
            AvgNumNeighbors = Dataset.AverageNeighbors(data.Train, 5.0),
        }));
        // A 1 ms budget runs out during the first step (training stops after it); 50 epochs would take far longer.
        var trainer = new Trainer(potential, new TrainOptions
        {
            Epochs = 50, BatchSize = 2, TimeLimit = TimeSpan.FromMilliseconds(1),
        });
        trainer.Fit(data.Train, data.Validation);
        Assert.Single(trainer.History);
        Assert.Equal(1, trainer.History[0].Steps);
        Assert.True(trainer.History[0].LearningRate <= 1e-2);
        Assert.False(potential.training);
    }

    [Fact]
    public void InvalidSettingsAreRejectedWithClearMessages()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new RadialEmbedding(0.0, 8));
        Assert.Contains("r_max must be positive", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new RadialEmbedding(5.0, 8, polynomialDegree: 1));
        Assert.Contains("polynomial degree p must be at least 2", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new RadialMlp(new[] { 8 }, nn.SiLU()));
        Assert.Contains("at least two positive entries, got [8]", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => new AtomicEnergyModel(new ModelConfig(), ScalarType.Int64));
        Assert.Contains("dtype must be Float32 or Float64, got Int64", e4.Message);
        var model = new AtomicEnergyModel(new ModelConfig());
        var e5 = Assert.Throws<ArgumentException>(() => model.SetScaleShift(1.0, new[] { 0.0 }));
        Assert.Contains("1 shifts given for 2 species", e5.Message);
        var e6 = Assert.Throws<ArgumentException>(() => new Interaction(new Irreps("4x0e"), new Irreps("4x1e"),
            new Irreps("1x0e"), 2, 8, new[] { 8 }, 4.0));
        Assert.Contains("no irrep of 4x1e can be reached from 4x0e x 1x0e", e6.Message);
        using var scope = NewDisposeScope();
        var potential = NewPotential(ScalarType.Float32);
        var g = Cluster(4, 1, ScalarType.Float32);
        using (no_grad())
        {
            var e7 = Assert.Throws<InvalidOperationException>(() => potential.Call(g.Positions, g.EdgeIndex, g.AtomTypes));
            Assert.Contains("call the potential with gradient mode enabled (not inside no_grad())", e7.Message);
        }
    }

    private static Tensor[] Flatten((Tensor Energy, Tensor Forces) r) => new[] { r.Energy, r.Forces };
}

/// <summary>The cluster form of the typed entry point the tests use.</summary>
internal static class PotentialTestExtensions
{
    /// <summary>Energy <c>[1]</c> and forces of one cluster (no cell).</summary>
    public static (Tensor Energy, Tensor Forces) Call(this EnergyForces potential, Tensor pos, Tensor edgeIndex,
        Tensor atomTypes)
    {
        var output = potential.Evaluate(pos, edgeIndex, atomTypes);
        return (output.Energy, output.Forces);
    }
}
