using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.O3;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Testing;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>The potential's own modules compile by their modes and agree with eager.</summary>
public class CompileTests
{
    [Fact]
    public void RadialEmbeddingIsTraced()
    {
        using var scope = NewDisposeScope();
        var compiled = Assertions.AssertAutoJitable(new RadialEmbedding(5.0, 8, dtype: ScalarType.Float64),
            strictShapes: false);
        Assert.Contains("RadialEmbedding: traced", TorchScript.Describe(compiled));
    }

    [Fact]
    public void RadialMlpIsTraced()
    {
        using var scope = NewDisposeScope();
        var compiled = Assertions.AssertAutoJitable(new RadialMlp(new[] { 8, 16, 16, 40 }, nn.SiLU(), ScalarType.Float64));
        Assert.Contains("RadialMlp: traced", TorchScript.Describe(compiled));
    }

    [Fact]
    public void InteractionIsScriptedAndMatchesEagerWithOtherAtomAndEdgeCounts()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var sh = Irreps.SphericalHarmonics(2);
        var layer = new Interaction(new Irreps("16x0e+8x1o+4x2e"), new Irreps("16x0e+8x1o+4x2e"), sh, 2, 8,
            new[] { 16 }, 6.0, ScalarType.Float64);
        Assert.True(layer.Residual);
        var inputs = new List<Tensor[]>();
        foreach (var (atoms, edges) in new[] { (5, 12), (9, 30), (3, 4) })
        {
            var types = randint(0, 2, new long[] { atoms });
            inputs.Add(new[]
            {
                layer.IrrepsIn.Randn(new long[] { atoms, -1 }, ScalarType.Float64, null),
                eye(2, dtype: ScalarType.Float64).index_select(0, types),
                sh.Randn(new long[] { edges, -1 }, ScalarType.Float64, null),
                randn(new long[] { edges, 8 }, dtype: ScalarType.Float64),
                randint(0, atoms, new long[] { 2, edges }),
            });
        }

        var compiled = Assertions.AssertAutoJitable(layer, strictShapes: false, exampleInputs: inputs);
        var description = TorchScript.Describe(compiled);
        Assert.Contains("Interaction: scripted", description);
        Assert.Contains("tp: TensorProduct: traced", description);
        var args = inputs[1];
        var expected = layer.forward(args[0], args[1], args[2], args[3], args[4]);
        var actual = (Tensor)compiled.invoke("forward", args.Cast<object>().ToArray());
        Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-12));
        Interop.Record("potential_interaction_f64", TorchScriptArchive.SaveToBytes(compiled), "forward", args,
            new[] { expected });
    }
}
