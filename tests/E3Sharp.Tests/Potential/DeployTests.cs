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

    private static void AssertAllClose(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>();
        var scale = Math.Max(1.0, expected.to(ScalarType.Float64).abs().max().item<double>());
        Assert.True(diff <= tol * scale, $"{what}: max difference {diff:E3} > {tol} x {scale:G4}");
    }
}
