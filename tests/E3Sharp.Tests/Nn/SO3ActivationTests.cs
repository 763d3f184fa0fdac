using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Nn;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Nn;

/// <summary>e3nn.nn.SO3Activation against e3nn 0.5.6 (Data/reference/parity/parity_s2.json).</summary>
public class SO3ActivationTests
{
    [Theory]
    [InlineData(0, ScalarType.Float64)]
    [InlineData(0, ScalarType.Float32)]
    [InlineData(1, ScalarType.Float64)]
    [InlineData(1, ScalarType.Float32)]
    [InlineData(2, ScalarType.Float64)]
    [InlineData(2, ScalarType.Float32)]
    public void MatchesE3nnEagerAndCompiled(int index, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_s2"));
        var c = doc.RootElement.GetProperty("so3_activation")[index];
        var m = new SO3Activation(c.GetProperty("lmax_in").GetInt32(), c.GetProperty("lmax_out").GetInt32(),
            S2ActivationTests.Act(c.GetProperty("act").GetString()!), c.GetProperty("resolution").GetInt32(),
            aspectRatio: c.GetProperty("aspect_ratio").GetInt32(), dtype: dtype);
        Assert.Equal(c.GetProperty("repr").GetString(), m.ToString());
        Assert.Equal(c.GetProperty("cst").GetDouble(), m.Act.Cst, 12);
        var key = dtype == ScalarType.Float64 ? "float64" : "float32";
        var x = Reference.ToTensor(c.GetProperty("x")).to(dtype);
        // e3nn's float32 grid comes from float32 Wigner matrices (its SO3Grid.to_grid is up to 4e-5 off its float64
        // values); ours are exact before the cast, so float32 is compared with e3nn's float64 values.
        var expected = Reference.ToTensor(c.GetProperty("float64"));
        var tol = ReferenceTolerance(dtype);
        AssertClose(expected, m.forward(x), tol, "eager");

        var compiled = Assertions.AssertAutoJitable(m);
        var y = (Tensor)compiled.invoke("forward", x);
        AssertClose(expected, y, tol, "compiled");
        Interop.Record($"parity_so3_activation_{index}_{key}", TorchScriptArchive.SaveToBytes(compiled), "forward",
            new[] { x }, new[] { y });
    }

    [Fact]
    public void IsEquivariantAsE3nnTestsIt()
    {
        using var scope = NewDisposeScope();
        // e3nn's test_equivariance: resolution 6, tolerance 0.04 (the grid's quadrature error).
        var m = new SO3Activation(2, 2, nn.Tanh(), 6, dtype: ScalarType.Float64);
        Assertions.AssertEquivariant(m, tolerance: 0.04, trials: 3);
        // e3nn's test_identity: with the identity the activation is a projection, mse < 1e-5.
        var id = new SO3Activation(3, 3, nn.Identity(), 6, dtype: ScalarType.Float64);
        var x = randn(new long[] { 4, id.IrrepsIn[0].Dim }, ScalarType.Float64);
        Assert.True(x.sub(id.forward(x)).pow(2).mean().item<double>() < 1e-5);
        var ex = Assert.Throws<ArgumentException>(() => m.forward(zeros(new long[] { 2, 34 }, ScalarType.Float64)));
        Assert.Contains("SO3Activation (2 -> 2)", ex.Message);
    }
}
