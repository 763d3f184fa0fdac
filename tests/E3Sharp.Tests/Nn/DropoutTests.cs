using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Nn;

/// <summary>e3nn.nn.Dropout: e3nn's deterministic cases (Data/reference/parity/parity.json, "dropout"); random masks
/// by their structure (whole irrep copies, 0 or 1/(1-p)) and statistics. Not run in parallel with other tests: some
/// compare masks drawn after the same manual_seed, which another test drawing from the global generator would break.</summary>
[Collection(nameof(GlobalGeneratorCollection))]
public class DropoutTests
{
    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void DeterministicCasesMatchE3nnEagerAndCompiled(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity"));
        var r = doc.RootElement.GetProperty("dropout");
        var irreps = new Irreps(r.GetProperty("irreps").GetString()!);
        var x = Reference.ToTensor(r.GetProperty("x")).to(dtype);
        var suffix = dtype == ScalarType.Float64 ? "float64" : "float32";
        var index = 0;
        foreach (var c in r.GetProperty("cases").EnumerateArray())
        {
            var drop = new Dropout(irreps, c.GetProperty("p").GetDouble());
            drop.train(c.GetProperty("training").GetBoolean());
            Assert.Equal(c.GetProperty("repr").GetString(), drop.ToString());
            var expected = Reference.ToTensor(c.GetProperty(suffix));
            AssertClose(expected, drop.forward(x), 0, "eager");
            var compiled = TorchScript.Compile(drop);
            var y = (Tensor)compiled.invoke("forward", x);
            AssertClose(expected, y, 0, "compiled");
            Interop.Record($"parity_dropout_{index++}_{(dtype == ScalarType.Float64 ? "f64" : "f32")}",
                TorchScriptArchive.SaveToBytes(compiled), "forward", new[] { x }, new[] { y });
        }
    }

    [Fact]
    public void EvaluationIsTheIdentityAndAutoJitable()
    {
        using var scope = NewDisposeScope();
        var drop = new Dropout(new Irreps("2x0e + 1x1o + 1x2e"), 0.4);
        drop.eval();
        var compiled = Assertions.AssertAutoJitable(drop);
        var x = new Irreps("2x0e + 1x1o + 1x2e").Randn(5, -1);
        AssertClose(x, drop.forward(x), 0, "eager eval");
        AssertClose(x, (Tensor)compiled.invoke("forward", x), 0, "compiled eval");
        Assertions.AssertEquivariant(drop);
        Assert.Throws<ArgumentException>(() => drop.forward(ones(2, 9)));
        // the compiled module keeps the switch (self.training): in training it drops
        compiled.train();
        var big = ones(400, 10);
        var dropped = (Tensor)compiled.invoke("forward", big);
        Assert.True(dropped.eq(0).any().item<bool>(), "compiled module in training mode dropped nothing");
    }

    [Theory]
    [InlineData(0.25, false)]
    [InlineData(0.25, true)]
    [InlineData(0.7, false)]
    [InlineData(0.7, true)]
    public void MasksDropWholeIrrepCopiesScaledAndUnbiased(double p, bool compiled)
    {
        using var scope = NewDisposeScope();
        var irreps = new Irreps("2x0e + 3x1o + 1x2e");   // 6 copies, dim 16
        var drop = new Dropout(irreps, p);
        nn.Module<Tensor, Tensor> run = drop;
        jit.ScriptModule? script = null;
        if (compiled)
        {
            script = TorchScript.Compile(drop);
            script.train();
        }

        const int batch = 3000;
        const int samples = 3;
        var x = ones(batch, samples, irreps.Dim, dtype: ScalarType.Float64);
        manual_seed(11);
        var y = script is null ? run.call(x) : (Tensor)script.invoke("forward", x);
        Assert.Equal(x.shape, y.shape);

        // each copy of each batch entry: one value for all its components and samples, 0 or 1/(1-p)
        var scale = 1.0 / (1.0 - p);
        var kept = new List<Tensor>();
        long offset = 0;
        foreach (var mi in irreps)
        {
            var block = y.narrow(2, offset, mi.Mul * mi.Ir.Dim).reshape(batch, samples, mi.Mul, mi.Ir.Dim);
            offset += mi.Mul * mi.Ir.Dim;
            var first = block.narrow(1, 0, 1).narrow(3, 0, 1);
            Assert.True(block.eq(first).all().item<bool>(), $"a {mi.Ir} copy was partly dropped");
            var isZero = first.eq(0);
            var isScaled = first.sub(scale).abs().lt(1e-12);
            Assert.True(isZero.logical_or(isScaled).all().item<bool>(), $"values other than 0 and {scale}");
            kept.Add(isScaled.reshape(batch, mi.Mul));
        }

        var keptAll = cat(kept, 1).to(ScalarType.Float64);   // [batch, 6] Bernoulli(1 - p)
        var n = keptAll.numel();
        var rate = keptAll.mean().item<double>();
        var sigma = Math.Sqrt(p * (1 - p) / n);
        Assert.InRange(rate, 1 - p - 5 * sigma, 1 - p + 5 * sigma);
        // unbiased: E[y] = x
        Assert.InRange(y.mean().item<double>(), 1 - 5 * sigma * scale, 1 + 5 * sigma * scale);
        // copies drop independently: the correlation of two copies' masks is near 0
        var a = keptAll.select(1, 0).sub(1 - p);
        var b = keptAll.select(1, 5).sub(1 - p);
        var corr = a.mul(b).mean().item<double>() / (p * (1 - p));
        Assert.InRange(corr, -5.0 / Math.Sqrt(batch), 5.0 / Math.Sqrt(batch));

        if (script is null)
        {
            // the same seed gives the compiled module the eager mask (same ops on the same generator)
            var again = TorchScript.Compile(drop);
            again.train();
            manual_seed(11);
            AssertClose(y, (Tensor)again.invoke("forward", x), 0, "compiled, same seed");
        }
    }

    [Fact]
    public void EquivariantForAFixedMask()
    {
        using var scope = NewDisposeScope();
        var irreps = new Irreps("1x0e + 2x1o + 1x2e + 1x1e");
        var drop = new Dropout(irreps, 0.5);
        // a rotated input under the same seed gets the same mask, so the output rotates with it
        Assertions.AssertEquivariant(
            args =>
            {
                manual_seed(21);
                return new[] { drop.forward(args[0]) };
            },
            new[] { irreps }, new[] { irreps },
            () => new[] { irreps.Randn(new long[] { 40, -1 }, ScalarType.Float64, null) });
        manual_seed(21);
        var x = irreps.Randn(new long[] { 40, -1 }, ScalarType.Float64, null);
        manual_seed(21);
        Assert.True(drop.forward(x).eq(0).any().item<bool>(), "p = 0.5 on 200 copies dropped nothing");
    }
}
