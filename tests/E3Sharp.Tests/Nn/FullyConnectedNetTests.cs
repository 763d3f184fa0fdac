using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Nn;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Nn;

/// <summary>e3nn.nn.FullyConnectedNet against e3nn 0.5.6 (Data/reference/parity/parity.json).</summary>
public class FullyConnectedNetTests
{
    private static Tensor T(JsonElement e) => Reference.ToTensor(e);

    private static nn.Module<Tensor, Tensor>? Act(string? name) => name switch
    {
        "silu" => torch.nn.SiLU(),
        "tanh" => torch.nn.Tanh(),
        "relu" => torch.nn.ReLU(),
        null => null,
        _ => throw new ArgumentException(name),
    };

    private static FullyConnectedNet Build(JsonElement c, ScalarType dtype)
    {
        var kw = c.GetProperty("kwargs");
        double Get(string k, double d) => kw.TryGetProperty(k, out var v) ? v.GetDouble() : d;
        return new FullyConnectedNet(Reference.ToIntArray(c.GetProperty("hs")), Act(c.GetProperty("act").GetString()),
            Get("variance_in", 1), Get("variance_out", 1),
            kw.TryGetProperty("out_act", out var oa) && oa.GetBoolean(), dtype);
    }

    [Theory]
    [InlineData(0, ScalarType.Float32)]
    [InlineData(0, ScalarType.Float64)]
    [InlineData(1, ScalarType.Float32)]
    [InlineData(1, ScalarType.Float64)]
    [InlineData(2, ScalarType.Float32)]
    [InlineData(2, ScalarType.Float64)]
    [InlineData(3, ScalarType.Float64)]
    public void MatchesE3nnEagerAndCompiled(int index, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity"));
        var c = doc.RootElement.GetProperty("fully_connected_net")[index];
        var net = Build(c, dtype);
        Assert.Equal(c.GetProperty("repr").GetString(), net.ToString());
        Assert.Equal(c.GetProperty("state_dict_keys").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            net.state_dict().Keys.ToArray());
        var weights = c.GetProperty("weights").EnumerateArray().Select(T).ToArray();
        for (var i = 0; i < weights.Length; i++)
        {
            Assign(net.Layers[i].Weight, weights[i]);
        }

        var x = T(c.GetProperty("x")).to(dtype);
        var expected = T(c.GetProperty(dtype == ScalarType.Float64 ? "float64" : "float32"));
        var tol = ReferenceTolerance(dtype);
        AssertClose(expected, net.forward(x), tol, "eager");
        if (dtype == ScalarType.Float32)
        {
            AssertClose(T(c.GetProperty("float32_e3nn_compiled")), net.forward(x), tol, "e3nn compiled");
        }

        var compiled = Assertions.AssertAutoJitable(net);
        var y = (Tensor)compiled.invoke("forward", x);
        AssertClose(expected, y, tol, "compiled");
        Assertions.AssertEquivariant(net);
        Interop.Record($"parity_fc_net_{index}_{(dtype == ScalarType.Float64 ? "f64" : "f32")}",
            TorchScriptArchive.SaveToBytes(compiled), "forward", new[] { x }, new[] { y });
    }

    [Fact]
    public void SeededConstructionDrawsE3nnsWeights()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity"));
        var c = doc.RootElement.GetProperty("fully_connected_net")[0];
        manual_seed(0);
        var net = Build(c, ScalarType.Float32);
        var weights = c.GetProperty("weights").EnumerateArray().Select(T).ToArray();
        for (var i = 0; i < weights.Length; i++)
        {
            AssertClose(weights[i], net.Layers[i].Weight, 0, $"layer{i}.weight");
        }
    }

    [Fact]
    public void RejectsBadSizesAndInputs()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new FullyConnectedNet(new[] { 4 }));
        Assert.Throws<ArgumentException>(() => new FullyConnectedNet(new[] { 4, 0, 2 }));
        var net = new FullyConnectedNet(new[] { 4, 3 });
        var e = Assert.Throws<ArgumentException>(() => net.forward(zeros(2, 5)));
        Assert.Contains("[2, 5]", e.Message);
    }
}
