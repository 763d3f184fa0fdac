using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>Behaviour of Norm, Linear, Extract and Activation checked against independent computations (e3nn's tests).</summary>
public class ModuleBehaviourTests
{
    [Fact]
    public void NormEqualsVectorNorms()
    {
        using var scope = NewDisposeScope();
        var norm = new Norm("10x1o", dtype: ScalarType.Float64);
        var x = randn(new long[] { 7, 30 }, ScalarType.Float64);
        var vectors = x.reshape(7, 10, 3);
        AssertClose(linalg.norm(vectors, dims: new long[] { -1 }), norm.forward(x), 1e-12, "norm");
        var squared = new Norm("10x1o", squared: true, dtype: ScalarType.Float64);
        AssertClose(vectors.pow(2).sum(-1), squared.forward(x), 1e-12, "squared");
        var mixed = new Norm("3x0e+5x1o", dtype: ScalarType.Float64);
        var m = randn(new long[] { 4, 18 }, ScalarType.Float64);
        var expected = cat(new[] { m.narrow(-1, 0, 3).abs(), linalg.norm(m.narrow(-1, 3, 15).reshape(4, 5, 3), dims: new long[] { -1 }) }, -1);
        AssertClose(expected, mixed.forward(m), 1e-12, "mixed");
    }

    [Fact]
    public void LinearBiasesOnlyOnScalars()
    {
        // e3nn's test_bias.
        using var scope = NewDisposeScope();
        var lin = new Linear("2x0e+1e+2x0e+0o", "3x0e+1e+3x0e+5x0e+0o", biases: true, dtype: ScalarType.Float64);
        Assert.Equal(11, lin.BiasNumel);
        Assign(lin.Weight, zeros_like(lin.Weight));
        Assign(lin.Bias, ones_like(lin.Bias));
        var y = lin.forward(randn(new long[] { 2, lin.IrrepsIn[0].Dim }, ScalarType.Float64));
        var expected = new double[] { 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
        Assert.Equal(expected, y[0].data<double>().ToArray());
        Assert.All(lin.OutputMask.data<double>().ToArray(), m => Assert.Equal(1.0, m));
        var partial = new Linear("1x0e", "1x0e+1x1o", dtype: ScalarType.Float64);
        Assert.Equal(new double[] { 1, 0, 0, 0 }, partial.OutputMask.data<double>().ToArray());
        Assert.Equal(new double[] { 0, 0, 0 }, partial.forward(ones(new long[] { 1 }, ScalarType.Float64)).narrow(-1, 1, 3).data<double>().ToArray());
    }

    [Theory]
    [InlineData("2x0e+3x1o+1x2e", "4x0e+2x1o+3x2e")]
    [InlineData("1x0e+1x0e+2x1o", "3x0e+2x1o+1x1e")]
    [InlineData("5x2o", "2x2o+1x2o")]
    public void LinearEqualsTensorProductWithConstantScalar(string irrepsIn, string irrepsOut)
    {
        // e3nn's test_linear_like_tp: Linear(x) == TP(x, 1) with uvw paths into the same outputs and the same weights.
        using var scope = NewDisposeScope();
        var lin = new Linear(irrepsIn, irrepsOut, dtype: ScalarType.Float64);
        var instructions = lin.Instructions.Select(i => new Instruction(i.IIn, 0, i.IOut, "uvw", true));
        var tp = new TensorProduct(irrepsIn, "0e", irrepsOut, instructions, dtype: ScalarType.Float64);
        Assert.Equal(lin.WeightNumel, tp.WeightNumel);
        Assign(tp.Weight, lin.Weight);
        var x = lin.IrrepsIn[0].Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        AssertClose(tp.forward(x, ones(new long[] { 5, 1 }, ScalarType.Float64)), lin.forward(x), 1e-12, "linear vs tp");
    }

    [Fact]
    public void LinearUnsharedWeightsMatchShared()
    {
        using var scope = NewDisposeScope();
        var shared = new Linear("2x0e+1x1o", "3x0e+2x1o", biases: true, dtype: ScalarType.Float64);
        var unshared = new Linear("2x0e+1x1o", "3x0e+2x1o", biases: true, sharedWeights: false, dtype: ScalarType.Float64);
        Assert.False(unshared.InternalWeights);
        var x = randn(new long[] { 3, 5 }, ScalarType.Float64);
        var w = randn(new long[] { 3, shared.WeightNumel }, ScalarType.Float64);
        var b = randn(new long[] { 3, shared.BiasNumel }, ScalarType.Float64);
        var y = unshared.forward(x, w, b);
        for (var i = 0; i < 3; i++)
        {
            AssertClose(shared.forward(x[i], w[i], b[i]), y[i], 1e-12, $"sample {i}");
        }
    }

    [Fact]
    public void ExtractSelectsIrreps()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 0, 0, 0, 1, 2 });
        var extract = new Extract("1e+0e+0e", new Irreps[] { "0e", "0e" }, new IReadOnlyList<int>[] { new[] { 1 }, new[] { 2 } });
        var outs = extract.forward(x);
        Assert.Equal(new[] { 1.0 }, outs[0].data<double>().ToArray());
        Assert.Equal(new[] { 2.0 }, outs[1].data<double>().ToArray());
        var ir = new ExtractIr("1e+0e+0e", "0e");
        Assert.Equal(new[] { 1.0, 2.0 }, ir.forward(x).data<double>().ToArray());
        var reorder = new Extract("1x0e+1x1o+1x0e", new Irreps[] { "1x1o+1x0e+1x0e" }, new IReadOnlyList<int>[] { new[] { 1, 0, 2 } });
        var v = tensor(new double[] { 9, 1, 2, 3, 8 });
        Assert.Equal(new double[] { 1, 2, 3, 9, 8 }, reorder.forward(v)[0].data<double>().ToArray());
        var sc = new Sortcut("1x1o+1x0e", "1x0o");
        Assert.Equal(new Irreps("1x0o+1x0e+1x1o"), sc.IrrepsIn[0]);
        var parts = sc.forward(tensor(new double[] { 7, 5, 1, 2, 3 }));
        Assert.Equal(new double[] { 1, 2, 3, 5 }, parts[0].data<double>().ToArray());
        Assert.Equal(new double[] { 7 }, parts[1].data<double>().ToArray());
    }

    [Fact]
    public void ActivationIsNormalizedActivationWithParity()
    {
        using var scope = NewDisposeScope();
        var act = new Activation("2x0e+1x0o+1x0o+1x1e", new nn.Module<Tensor, Tensor>?[] { nn.SiLU(), nn.Tanh(), new Abs(), null });
        Assert.Equal(new Irreps("2x0e+1x0o+1x0e+1x1e"), act.IrrepsOut);
        Assert.Equal("Activation [xxx ] (2x0e+1x0o+1x0o+1x1e -> 2x0e+1x0o+1x0e+1x1e)", act.ToString());
        var x = randn(new long[] { 3, 7 }, ScalarType.Float64);
        var y = act.forward(x);
        AssertClose(nn.functional.silu(x.narrow(-1, 0, 2)).mul(1.6791767923989418), y.narrow(-1, 0, 2), 1e-12, "silu");
        AssertClose(x.narrow(-1, 2, 1).tanh().mul(1.5937334472592695), y.narrow(-1, 2, 1), 1e-12, "tanh");
        AssertClose(x.narrow(-1, 3, 1).abs().mul(1.001110600838467), y.narrow(-1, 3, 1), 1e-12, "abs");
        AssertClose(x.narrow(-1, 4, 3), y.narrow(-1, 4, 3), 0, "identity");
        var unknown = new Normalize2Mom(nn.Softplus(beta: 2.0));
        Assert.Equal(Normalize2Mom.Estimate(nn.Softplus(beta: 2.0)), unknown.Cst);
        Assert.True(unknown.Cst > 1 && unknown.Cst < 3);
    }
}
