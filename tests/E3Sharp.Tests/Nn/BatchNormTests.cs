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

/// <summary>e3nn.nn.BatchNorm against e3nn 0.5.6 (Data/reference/parity/parity.json, "batch_norm").</summary>
public class BatchNormTests
{
    private static BatchNorm Build(JsonElement c, ScalarType dtype)
    {
        var kw = c.GetProperty("kwargs");
        string Str(string name, string def) => kw.TryGetProperty(name, out var v) ? v.GetString()! : def;
        bool Bool(string name, bool def) => kw.TryGetProperty(name, out var v) ? v.GetBoolean() : def;
        double Num(string name, double def) => kw.TryGetProperty(name, out var v) ? v.GetDouble() : def;
        var bn = new BatchNorm(new Irreps(c.GetProperty("irreps").GetString()!), eps: Num("eps", 1e-5),
            momentum: Num("momentum", 0.1), affine: Bool("affine", true), reduce: Str("reduce", "mean"),
            instance: Bool("instance", false), includeBias: Bool("include_bias", true),
            normalization: Str("normalization", "component"), dtype: dtype);
        var initial = c.GetProperty("initial");
        var state = bn.state_dict();
        Assert.Equal(c.GetProperty("state_keys").EnumerateArray().Select(k => k.GetString()).ToArray(),
            state.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        foreach (var (key, value) in state)
        {
            Assign(value, Reference.ToTensor(initial.GetProperty(key)));
        }

        return bn;
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
    public void MatchesE3nnInTrainingAndEvaluationEagerAndCompiled(int index, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity"));
        var c = doc.RootElement.GetProperty("batch_norm")[index];
        var bn = Build(c, dtype);
        Assert.Equal(c.GetProperty("repr").GetString(), bn.ToString());
        var suffix = dtype == ScalarType.Float64 ? "float64" : "float32";
        var tol = ReferenceTolerance(dtype);
        foreach (var step in c.GetProperty("train_steps").EnumerateArray())
        {
            var x = Reference.ToTensor(step.GetProperty("x")).to(dtype);
            AssertClose(Reference.ToTensor(step.GetProperty(suffix)), bn.forward(x), tol, "training output");
            if (!bn.Instance)
            {
                AssertClose(Reference.ToTensor(step.GetProperty("running_mean_" + suffix)), bn.RunningMean!, tol, "running mean");
                AssertClose(Reference.ToTensor(step.GetProperty("running_var_" + suffix)), bn.RunningVar!, tol, "running var");
            }
        }

        var ev = c.GetProperty("eval");
        var xe = Reference.ToTensor(ev.GetProperty("x")).to(dtype);
        var expected = Reference.ToTensor(ev.GetProperty(suffix));
        if (bn.Instance)
        {
            // instance norm has no running statistics: it compiles in training mode too
            var compiledTrain = Assertions.AssertAutoJitable(bn);
            AssertClose(expected, (Tensor)compiledTrain.invoke("forward", xe), tol, "compiled (training mode)");
        }
        else
        {
            var ex = Assert.Throws<NotSupportedException>(() => TorchScript.Compile(bn));
            Assert.Contains("eval()", ex.Message);
        }

        bn.eval();
        AssertClose(expected, bn.forward(xe), tol, "eval");
        var compiled = Assertions.AssertAutoJitable(bn);
        var y = (Tensor)compiled.invoke("forward", xe);
        AssertClose(expected, y, tol, "compiled eval");
        Assertions.AssertEquivariant(bn);
        Interop.Record($"parity_batch_norm_{index}_{(dtype == ScalarType.Float64 ? "f64" : "f32")}",
            TorchScriptArchive.SaveToBytes(compiled), "forward", new[] { xe }, new[] { y });
        bn.train();
        Assertions.AssertEquivariant(bn);   // batch statistics of rotated inputs are rotated statistics
    }

    [Fact]
    public void RejectsBadArguments()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new BatchNorm(new Irreps("1x0e"), reduce: "sum"));
        Assert.Throws<ArgumentException>(() => new BatchNorm(new Irreps("1x0e"), normalization: "integral"));
        var bn = new BatchNorm(new Irreps("1x0e + 1x1o"));
        var ex = Assert.Throws<ArgumentException>(() => bn.forward(zeros(3, 5)));
        Assert.Contains("1x0e+1x1o", ex.Message);
    }
}
