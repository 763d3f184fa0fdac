using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>
/// Gradients match central finite differences in float64 for each connection mode and for per-sample weights, and
/// reach the parameters in float32. Every module's input gradients, eager and compiled: Catalogue/CatalogueTests.
/// </summary>
public class GradientTests
{
    // Compares autograd gradients of sum(f(inputs) * P) (P random, fixed) with central differences.
    private static void GradCheck(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        using var scope = NewDisposeScope();
        var leaves = inputs.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
        var y = f(leaves);
        var projection = randn_like(y);
        y.mul(projection).sum().backward();
        const double eps = 1e-6;
        for (var i = 0; i < inputs.Length; i++)
        {
            var grad = leaves[i].grad;
            Assert.NotNull(grad);
            var analytic = grad!.data<double>().ToArray();
            var values = inputs[i].detach().contiguous().data<double>().ToArray();
            for (var j = 0; j < values.Length; j++)
            {
                double Eval(double delta)
                {
                    using var inner = NewDisposeScope();
                    using var noGrad = no_grad();
                    var shifted = (double[])values.Clone();
                    shifted[j] += delta;
                    var args = inputs.Select(t => t.detach()).ToArray();
                    args[i] = tensor(shifted, inputs[i].shape, ScalarType.Float64);
                    return f(args).mul(projection).sum().item<double>();
                }
                var numeric = (Eval(eps) - Eval(-eps)) / (2 * eps);
                Assert.True(Math.Abs(numeric - analytic[j]) <= 1e-6 * Math.Max(1.0, Math.Abs(analytic[j])),
                    $"input {i} element {j}: autograd {analytic[j]} vs finite difference {numeric}");
            }
        }
    }

    public static IEnumerable<object[]> ModeCases() => E3Sharp.Tests.O3.Modules.ModeTensorProducts.Cases();

    [Theory]
    [MemberData(nameof(ModeCases))]
    public void TensorProductGradcheck(string mode, bool weight)
    {
        using var scope = NewDisposeScope();
        var tp = E3Sharp.Tests.O3.Modules.ModeTensorProducts.Make(mode, weight, ScalarType.Float64);
        var x = tp.IrrepsIn1.Randn(new long[] { 2, -1 }, ScalarType.Float64, null);
        var y = tp.IrrepsIn2.Randn(new long[] { 2, -1 }, ScalarType.Float64, null);
        var w = randn(new long[] { tp.WeightNumel }, ScalarType.Float64);
        GradCheck(a => tp.forward(a[0], a[1], a[2]), x, y, w);
    }

    [Fact]
    public void PerSampleWeightsGradcheck()
    {
        using var scope = NewDisposeScope();
        var lin = new Linear("2x0e+1x1o+1x0e", "3x0e+2x1o", biases: true, sharedWeights: false, dtype: ScalarType.Float64);
        GradCheck(a => lin.forward(a[0], a[1], a[2]), randn(new long[] { 2, 6 }, ScalarType.Float64),
            randn(new long[] { 2, lin.WeightNumel }, ScalarType.Float64), randn(new long[] { 2, lin.BiasNumel }, ScalarType.Float64));
        var sq = new TensorSquare("2x0e+2x1o", "1x0e+1x1e+1x2e", sharedWeights: false, dtype: ScalarType.Float64);
        GradCheck(a => sq.forward(a[0], a[0], a[1]), sq.IrrepsIn1.Randn(new long[] { 2, -1 }, ScalarType.Float64, null),
            randn(new long[] { 2, sq.WeightNumel }, ScalarType.Float64));
    }

    [Fact]
    public void BackwardReachesParametersInFloat32()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("4x0e+2x1o+1x2e", "0e+1o+2e", "3x0e+2x1o+2x2e", dtype: ScalarType.Float32);
        var lin = new Linear(tp.IrrepsOut, "2x0e+1x1o", biases: true, dtype: ScalarType.Float32);
        var x = tp.IrrepsIn1.Randn(new long[] { 6, -1 }, ScalarType.Float32, null).requires_grad_(true);
        var y = tp.IrrepsIn2.Randn(new long[] { 6, -1 }, ScalarType.Float32, null);
        lin.forward(tp.forward(x, y)).pow(2).sum().backward();
        Assert.NotNull(tp.Weight.grad);
        Assert.NotNull(lin.Weight.grad);
        Assert.NotNull(lin.Bias.grad);
        Assert.NotNull(x.grad);
        Assert.True(MaxAbs(tp.Weight.grad!) > 0);
        Assert.True(MaxAbs(lin.Bias.grad!) > 0);
        Assert.Equal(tp.Weight.shape, tp.Weight.grad!.shape);
        Assert.Single(tp.parameters());
        Assert.Equal(new[] { "weight", "output_mask" }, tp.state_dict().Keys.ToArray());
    }
}
