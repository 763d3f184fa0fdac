using System.Text.Json;
using E3Sharp.Jit.Serialization;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Nn;

/// <summary>e3nn.nn.NormActivation against e3nn 0.5.6 (Data/reference/parity/parity.json).</summary>
public class NormActivationTests
{
    private static NormActivation Build(JsonElement c, ScalarType dtype)
    {
        var kw = c.GetProperty("kwargs");
        nn.Module<Tensor, Tensor> act = c.GetProperty("act").GetString() switch
        {
            "sigmoid" => nn.Sigmoid(),
            "tanh" => nn.Tanh(),
            "silu" => nn.SiLU(),
            var other => throw new ArgumentException(other),
        };
        var module = new NormActivation(new Irreps(c.GetProperty("irreps").GetString()!), act,
            epsilon: kw.TryGetProperty("epsilon", out var eps) ? eps.GetDouble() : null,
            bias: kw.TryGetProperty("bias", out var b) && b.GetBoolean(), dtype: dtype);
        if (module.Biases is { } biases)
        {
            Assign(biases, Reference.ToTensor(c.GetProperty("biases")));
        }

        return module;
    }

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
        using var doc = Reference.Load(Path.Combine("parity", "parity"));
        var c = doc.RootElement.GetProperty("norm_activation")[index];
        var module = Build(c, dtype);
        var x = Reference.ToTensor(c.GetProperty("x")).to(dtype);
        var expected = Reference.ToTensor(c.GetProperty(dtype == ScalarType.Float64 ? "float64" : "float32"));
        var tol = ReferenceTolerance(dtype);
        AssertClose(expected, module.forward(x), tol, "eager");

        var compiled = Assertions.AssertAutoJitable(module);
        var y = (Tensor)compiled.invoke("forward", x);
        AssertClose(expected, y, tol, "compiled");
        Assertions.AssertEquivariant(module);
        Interop.Record($"parity_norm_activation_{index}_{(dtype == ScalarType.Float64 ? "f64" : "f32")}",
            TorchScriptArchive.SaveToBytes(compiled), "forward", new[] { x }, new[] { y });
    }

    [Fact]
    public void DocstringExampleAndArguments()
    {
        using var scope = NewDisposeScope();
        var n = new NormActivation(new Irreps("2x1e"), nn.Sigmoid());
        var norms = n.forward(ones(1, 6)).reshape(1, 2, 3).norm(-1);
        AssertClose(full(new long[] { 1, 2 }, 0.8497f), norms, 1e-4, "e3nn's docstring");
        // Without normalisation the norm is f(|x|) |x| (e3nn 0.5.6 cannot build this case: TypeError on epsilon None).
        var plain = new NormActivation(new Irreps("1x1o"), nn.Sigmoid(), normalize: false, dtype: ScalarType.Float64);
        var v = tensor(new[] { 0.0, 3.0, 4.0 }).reshape(1, 3);
        AssertClose(v.mul(1.0 / (1.0 + Math.Exp(-5.0))), plain.forward(v), 1e-12, "normalize false");
        Assert.Throws<ArgumentException>(() => new NormActivation(new Irreps("1x1o"), nn.Sigmoid(), normalize: false, epsilon: 0.1));
        Assert.Throws<ArgumentException>(() => new NormActivation(new Irreps("1x1o"), nn.Sigmoid(), epsilon: -1.0));
    }
}
