using E3Sharp.Jit;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>
/// Compile end to end on TorchSharp built-in modules (traced by the tracer's built-in table): results, training,
/// in-place sharing versus copies, the Trace override left on a module without a mode, and a TorchScript child
/// kept as it was.
/// </summary>
public class CompileBuiltinTests
{
    private static nn.Module<Tensor, Tensor> Mlp()
    {
        manual_seed(1);
        return nn.Sequential(("lin1", nn.Linear(3, 4)), ("act", nn.SiLU()), ("lin2", nn.Linear(4, 2)));
    }

    [Fact]
    public void TracedSequentialGivesEagerOutputsAndGradientsForOtherBatchSizes()
    {
        using var scope = NewDisposeScope();
        var mlp = Mlp();
        var compiled = TorchScript.Trace(mlp, randn(5, 3));
        foreach (var batch in new[] { 1, 7 })
        {
            var x = randn(batch, 3);
            Assert.True(allclose(mlp.call(x), compiled.call(x), rtol: 1e-6, atol: 1e-6));
        }

        // Trainable: the compiled parameters require gradients and receive the eager gradients.
        var xg = randn(6, 3);
        compiled.call(xg).pow(2).sum().backward();
        mlp.call(xg).pow(2).sum().backward();
        var compiledGrads = compiled.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        foreach (var (name, p) in mlp.named_parameters())
        {
            Assert.True(compiledGrads[name] is not null, $"no gradient for {name}");
            Assert.True(allclose(p.grad!, compiledGrads[name]!, rtol: 1e-5, atol: 1e-6), $"gradient of {name} differs");
        }

        Assert.Equal("Sequential: traced\n├─ lin1: Linear: compiled into its parent\n├─ act: SiLU: compiled into its parent\n" +
                     "└─ lin2: Linear: compiled into its parent", TorchScript.Describe(compiled));

        // The last dimension is checked; the batch is free.
        var e = Assert.ThrowsAny<Exception>(() => compiled.call(randn(2, 4)));
        Assert.Contains("the last dimension of argument", e.Message);
        Interop.Record("compile_traced_sequential", TorchScriptArchive.SaveToBytes(compiled), "forward", [xg], [compiled.call(xg)],
            compiled.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void TraceLeavesItsModeAndExamplesOnAModuleWithoutOneAndCompileReusesThem()
    {
        using var scope = NewDisposeScope();
        var mlp = Mlp();
        Assert.Null(TorchScript.GetCompileMode(mlp));
        TorchScript.Trace(mlp, randn(3, 3));
        Assert.Equal(JitMode.Trace, TorchScript.GetCompileMode(mlp));   // as e3nn: trace() leaves the mode behind
        var again = TorchScript.Compile(mlp);                             // ... so Compile works on it now
        var x = randn(4, 3);
        Assert.True(allclose(mlp.call(x), again.call(x), rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void CompileOnACopyLeavesTheOriginalAloneAndInPlaceSharesTheWeights()
    {
        using var scope = NewDisposeScope();
        var lin = nn.Linear(3, 2);
        var x = randn(4, 3);
        var before = lin.weight!.detach().clone();

        // Copy (default): training the compiled module does not touch the original.
        var copy = TorchScript.Trace(lin, x);
        Step(copy, x);
        Assert.True(allclose(before, lin.weight!, rtol: 0, atol: 0), "Compile(inPlace: false) changed the original's weight");
        Assert.False(allclose(copy.named_parameters().First(p => p.name == "weight").parameter, before));

        // In place: the original and the compiled module share storage; training either changes both.
        var shared = TorchScript.Compile(lin, inPlace: true);
        Step(shared, x);
        Assert.False(allclose(before, lin.weight!, rtol: 0, atol: 0), "Compile(inPlace: true) did not share the weight");
        Assert.True(allclose(lin.call(x), shared.call(x), rtol: 0, atol: 0));
        using (no_grad())
        {
            lin.bias!.add_(1.0);
        }

        Assert.True(allclose(lin.call(x), shared.call(x), rtol: 0, atol: 0));
    }

    private static void Step(jit.ScriptModule<Tensor, Tensor> module, Tensor x)
    {
        var opt = optim.SGD(module.parameters(), 0.1);
        opt.zero_grad();
        module.call(x).pow(2).sum().backward();
        opt.step();
    }
}
