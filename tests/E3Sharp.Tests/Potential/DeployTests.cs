using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.O3;
using E3Sharp.Samples.Potential.Deploy;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using E3Sharp.Testing;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>
/// The whole potential compiled with <c>TorchScript.Compile</c> into one archive (forward and the pair-style
/// <c>pair_forward</c>, metadata extra files): equivariant, and in agreement with eager C#, PyTorch 1.13 (interop
/// record) and the LAMMPS-style C++ loader (LibTorch 1.13, frozen).
/// </summary>
[Collection(nameof(DefaultDtypeCollection))]
public class DeployTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void CompiledPotentialMatchesEager(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(dtype, seed: 5);
        using var compiled = Deployment.Compile(potential);
        compiled.eval();
        var description = TorchScript.Describe(compiled);
        Assert.Contains("EnergyForces: scripted", description);
        Assert.Contains("AtomicEnergyModel: scripted", description);
        var tol = dtype == ScalarType.Float64 ? 1e-10 : 1e-5;
        foreach (var (n, seed) in new[] { (9, 1), (14, 2) })
        {
            var g = ModelTests.Cluster(n, seed, dtype);
            var (e, f) = potential.forward(g.Positions.clone(), g.EdgeIndex, g.AtomTypes);
            var (ec, fc) = ((Tensor, Tensor))compiled.forward(g.Positions.clone(), g.EdgeIndex, g.AtomTypes);
            AssertAllClose(e, ec, tol, "energy");
            AssertAllClose(f, fc, tol, "forces");
        }
    }

    [Fact]
    public void CompiledPotentialIsEquivariant()
    {
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(ScalarType.Float64, seed: 6);
        using var compiled = Deployment.Compile(potential);
        compiled.eval();
        var g = ModelTests.Cluster(10, 4, ScalarType.Float64);
        var errors = Assertions.AssertEquivariant(
            args =>
            {
                // AssertEquivariant evaluates under no_grad(); the compiled forces need gradient mode.
                using var grad = enable_grad();
                var (e, f) = ((Tensor, Tensor))compiled.forward(args[0], args[1], args[2]);
                return new[] { e, f };
            },
            new Irreps?[] { new Irreps("1x1o"), null, null },
            new Irreps?[] { new Irreps("1x0e"), new Irreps("1x1o") },
            () => new[] { g.Positions.clone(), g.EdgeIndex, g.AtomTypes },
            tolerance: 1e-10,
            trials: 2,
            name: "compiled EnergyForces");
        Assert.Equal(2, errors.Count);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void DeployedArchiveAgreesInLibTorchPyTorchAndTheCppLoader(ScalarType dtype)
    {
        Assert.True(CppLoader.LibTorchAvailable,
            "Debian's libtorch-dev is not installed (bash build/setup.sh installs it); the C++ loader cannot be built.");
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(dtype, seed: 7);
        var archive = Deployment.Archive(potential);
        var tol = dtype == ScalarType.Float64 ? 1e-10 : 1e-5;

        // One file: both methods, the metadata extra files.
        var contents = TorchScriptArchiveReader.Read(archive);
        Assert.Equal("5", System.Text.Encoding.UTF8.GetString(contents.ExtraFiles["r_max"]));
        Assert.Equal(dtype == ScalarType.Float64 ? "float64" : "float32",
            System.Text.Encoding.UTF8.GetString(contents.ExtraFiles["model_dtype"]));
        var code = string.Concat(contents.Code.Values);
        Assert.Contains("def pair_forward(", code);
        Assert.Contains("data: Dict[str, Tensor]) -> Dict[str, Tensor]:", code);

        var c = DataGenerator.RandomCluster(12, 2, 2.4, new Random(11));
        var g = Graph.FromConfiguration(c, 5.0, dtype);
        var (e, f) = potential.forward(g.Positions.clone(), g.EdgeIndex, g.AtomTypes);

        // LibTorch 2.10 (TorchSharp) on the archive; the same inputs and outputs recorded for PyTorch 1.13.
        using var loaded = TorchScriptArchive.Load(archive);
        loaded.eval();
        var (el, fl) = ((Tensor, Tensor))loaded.forward(g.Positions.clone(), g.EdgeIndex, g.AtomTypes);
        AssertAllClose(e, el, tol, "energy (LibTorch 2.10)");
        AssertAllClose(f, fl, tol, "forces (LibTorch 2.10)");
        Interop.Record($"potential_deployed_{(dtype == ScalarType.Float64 ? "f64" : "f32")}", archive, "forward",
            new[] { g.Positions, g.EdgeIndex, g.AtomTypes }, new[] { el.detach(), fl.detach() });

        // The C++ loader (LibTorch 1.13): load with metadata, freeze, pair_forward with a Dict, and forward.
        var path = Path.Combine(Path.GetTempPath(), $"e3sharp-potential-{Guid.NewGuid():N}.pt");
        File.WriteAllBytes(path, archive);
        try
        {
            var loader = CppLoader.Build();
            var pair = CppLoader.Run(loader, path, c);
            AssertAllClose(e, tensor(new[] { pair.Energy }, dtype: ScalarType.Float64), tol, "energy (C++ pair_forward)");
            AssertAllClose(f, tensor(pair.Forces), tol, "forces (C++ pair_forward)");
            var (_, _, atomic) = potential.EnergyForcesAtomic(g.Positions.clone(), g.EdgeIndex, g.AtomTypes);
            Assert.NotNull(pair.AtomicEnergy);
            AssertAllClose(atomic.reshape(-1), tensor(pair.AtomicEnergy!), tol, "atomic energy (C++ pair_forward)");
            var tuple = CppLoader.Run(loader, path, c, tuple: true);
            AssertAllClose(e, tensor(new[] { tuple.Energy }, dtype: ScalarType.Float64), tol, "energy (C++ forward)");
            AssertAllClose(f, tensor(tuple.Forces), tol, "forces (C++ forward)");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PairForwardInEagerModeNamesAMissingKey()
    {
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(ScalarType.Float64, seed: 8);
        var g = ModelTests.Cluster(6, 2, ScalarType.Float64);
        var output = potential.PairForward(new Dictionary<string, Tensor>
        {
            ["pos"] = g.Positions.clone(), ["edge_index"] = g.EdgeIndex, ["atom_types"] = g.AtomTypes,
        });
        var (e, f) = potential.forward(g.Positions.clone(), g.EdgeIndex, g.AtomTypes);
        AssertAllClose(e, output["total_energy"], 1e-12, "energy");
        AssertAllClose(f, output["forces"], 1e-12, "forces");
        Assert.Equal(new long[] { 6, 1 }, output["atomic_energy"].shape);
        var ex = Assert.Throws<ArgumentException>(() => potential.PairForward(new Dictionary<string, Tensor>
        {
            ["pos"] = g.Positions.clone(), ["atom_types"] = g.AtomTypes,
        }));
        Assert.Contains("the input dictionary has no 'edge_index' entry", ex.Message);
    }

    private static void AssertAllClose(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>();
        var scale = Math.Max(1.0, expected.to(ScalarType.Float64).abs().max().item<double>());
        Assert.True(diff <= tol * scale, $"{what}: max difference {diff:E3} > {tol} x {scale:G4}");
    }
}
