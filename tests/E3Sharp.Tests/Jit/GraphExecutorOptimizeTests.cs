using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>Tests that change LibTorch's global or per-thread settings run in this collection: xunit runs it on its own.</summary>
[CollectionDefinition(nameof(LibTorchSettingsCollection), DisableParallelization = true)]
public sealed class LibTorchSettingsCollection
{
}

[Collection(nameof(LibTorchSettingsCollection))]
public class GraphExecutorOptimizeTests
{
    [Fact]
    public void Compiled_forces_equal_eager_with_and_without_graph_optimisation()
    {
        Assert.True(TorchScript.GraphExecutorOptimize);          // LibTorch's default
        try
        {
            foreach (var optimize in new[] { false, true })
            {
                TorchScript.GraphExecutorOptimize = optimize;
                Assert.Equal(optimize, TorchScript.GraphExecutorOptimize);
                using var scope = NewDisposeScope();
                var sh = new SphericalHarmonics(new Irreps("0e+1o+2e"), normalize: true, normalization: "component");
                var compiled = TorchScript.Compile<Tensor, Tensor>(sh);
                var weights = linspace(-1.0, 1.0, 9, dtype: ScalarType.Float64);
                var x = randn(17, 3, dtype: ScalarType.Float64);
                // Several calls: the executor profiles the first runs and optimises after them.
                for (var call = 0; call < 4; call++)
                {
                    var eager = Gradient(v => sh.forward(v), x, weights);
                    var fromGraph = Gradient(v => compiled.forward(v), x, weights);
                    Assert.True(eager.allclose(fromGraph, rtol: 1e-12, atol: 1e-12),
                        $"optimize {optimize}, call {call}: compiled gradient differs by {(eager - fromGraph).abs().max().item<double>():E2}");
                }
            }
        }
        finally
        {
            TorchScript.GraphExecutorOptimize = true;
        }
    }

    [Fact]
    public void The_setting_belongs_to_the_thread_that_sets_it()
    {
        try
        {
            TorchScript.GraphExecutorOptimize = false;
            var seenByOther = false;
            var other = new Thread(() => seenByOther = TorchScript.GraphExecutorOptimize);
            other.Start();
            other.Join();
            Assert.False(TorchScript.GraphExecutorOptimize);
            Assert.True(seenByOther);                                 // a new thread starts with LibTorch's default
        }
        finally
        {
            TorchScript.GraphExecutorOptimize = true;
        }
    }

    private static Tensor Gradient(Func<Tensor, Tensor> f, Tensor x, Tensor weights)
    {
        var input = x.detach().requires_grad_(true);
        var energy = (f(input) * weights).sum();
        return autograd.grad(new[] { energy }, new[] { input })[0];
    }
}
