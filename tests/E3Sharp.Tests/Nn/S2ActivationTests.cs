using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Nn;

/// <summary>e3nn.nn.S2Activation and SO3Activation against e3nn 0.5.6 (Data/reference/parity/parity_s2.json).</summary>
public class S2ActivationTests
{
    internal static nn.Module<Tensor, Tensor> Act(string name) => name switch
    {
        "tanh" => nn.Tanh(),
        "silu" => nn.SiLU(),
        "sigmoid" => nn.Sigmoid(),
        "relu" => nn.ReLU(),
        _ => throw new ArgumentException(name),
    };

    private static int? IntOrNull(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();

    [Theory]
    [InlineData(0, ScalarType.Float64)]
    [InlineData(0, ScalarType.Float32)]
    [InlineData(1, ScalarType.Float64)]
    [InlineData(1, ScalarType.Float32)]
    [InlineData(2, ScalarType.Float64)]
    [InlineData(2, ScalarType.Float32)]
    [InlineData(3, ScalarType.Float64)]
    [InlineData(3, ScalarType.Float32)]
    public void MatchesE3nnEagerAndCompiled(int index, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_s2"));
        var c = doc.RootElement.GetProperty("s2_activation")[index];
        var m = new S2Activation(new Irreps(c.GetProperty("irreps").GetString()!), Act(c.GetProperty("act").GetString()!),
            c.GetProperty("res").GetInt32(), c.GetProperty("normalization").GetString()!, IntOrNull(c.GetProperty("lmax_out")),
            dtype: dtype);
        Assert.Equal(c.GetProperty("repr").GetString(), m.ToString());
        Assert.Equal(new Irreps(c.GetProperty("irreps_out").GetString()!), m.IrrepsOut);
        Assert.Equal(c.GetProperty("cst").GetDouble(), m.Act.Cst, 12);
        var key = dtype == ScalarType.Float64 ? "float64" : "float32";
        var x = Reference.ToTensor(c.GetProperty("x")).to(dtype);
        var expected = Reference.ToTensor(c.GetProperty(key));
        var tol = ReferenceTolerance(dtype);
        AssertClose(expected, m.forward(x), tol, "eager");

        var compiled = Assertions.AssertAutoJitable(m);
        var y = (Tensor)compiled.invoke("forward", x);
        AssertClose(expected, y, tol, "compiled");
        // Equivariant up to the grid's quadrature error: checked on the same configuration with a finer grid
        // (e3nn's test_equivariance: res 120, tolerance sqrt(1e-3)).
        var fine = new S2Activation(m.IrrepsIn[0], Act(c.GetProperty("act").GetString()!), 100,
            c.GetProperty("normalization").GetString()!, IntOrNull(c.GetProperty("lmax_out")), dtype: dtype);
        Assertions.AssertEquivariant(fine, tolerance: Math.Sqrt(Assertions.Float32Tolerance));
        Interop.Record($"parity_s2_activation_{index}_{key}", TorchScriptArchive.SaveToBytes(compiled), "forward",
            new[] { x }, new[] { y });
    }

    [Fact]
    public void RandomRotationIsEquivariantAndNotCompiled()
    {
        using var scope = NewDisposeScope();
        // e3nn's test_equivariance: random_rot, res 120, lmax_out 6; the error shrinks with the resolution.
        var irreps = new Irreps("1x0e + 1x1o + 1x2e + 1x3o");
        var m = new S2Activation(irreps, nn.Tanh(), 120, lmaxOut: 6, randomRot: true, dtype: ScalarType.Float64);
        var errors = Assertions.AssertEquivariant(m, tolerance: Math.Sqrt(Assertions.Float64Tolerance) * 100);
        Assert.All(errors, e => Assert.True(e.MaxError < 1e-3, e.ToString()));
        var ex = Assert.Throws<NotSupportedException>(() => TorchScript.Compile(m));
        Assert.Contains("randomRot", ex.Message);
    }

    [Fact]
    public void BadIrrepsAndParitiesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new S2Activation(new Irreps("2x0e + 1x1o"), nn.Tanh(), 10));
        Assert.Throws<ArgumentException>(() => new S2Activation(new Irreps("1x0e + 1x2e"), nn.Tanh(), 10));
        Assert.Throws<ArgumentException>(() => new S2Activation(new Irreps("1x0e + 1x1o + 1x2o"), nn.Tanh(), 10));
        // p_val = -1 needs an even or odd activation: sigmoid is neither.
        Assert.Throws<ArgumentException>(() => new S2Activation(new Irreps("1x0o + 1x1o"), nn.Sigmoid(), 10));
        using var scope = NewDisposeScope();
        var m = new S2Activation(new Irreps("1x0e + 1x1o"), nn.Tanh(), 10, dtype: ScalarType.Float32);
        var ex = Assert.Throws<ArgumentException>(() => m.forward(zeros(3, 5)));
        Assert.Contains("S2Activation (1x0e+1x1o", ex.Message);
        Assert.Contains("[3, 5]", ex.Message);
        var compiled = TorchScript.Compile(m);
        Assert.Contains("S2Activation", Assert.ThrowsAny<Exception>(() => compiled.invoke("forward", zeros(3, 5))).Message);
    }
}
