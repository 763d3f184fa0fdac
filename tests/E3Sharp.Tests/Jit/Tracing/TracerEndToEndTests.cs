using E3Sharp.Jit;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using E3Sharp.Jit.Tracing;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Tracing;

public class TracerEndToEndTests
{
    internal static (ModuleInstance Ir, jit.ScriptModule Loaded, byte[] Archive) TraceAndLoad(nn.Module module, Tensor[] inputs,
        bool fixedLastDimension, CompileContext? context = null)
    {
        var ir = Tracer.Trace(module, inputs, context ?? new CompileContext(), fixedLastDimension);
        var archive = TorchScriptArchive.Write(ir);
        return (ir, TorchScriptArchive.Load(archive), archive);
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tol)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        var diff = expected.numel() == 0 ? 0.0 : (expected - actual).abs().max().to(ScalarType.Float64).item<double>();
        Assert.True(diff <= tol, $"max |difference| = {diff} > {tol}");
    }

    [Fact]
    public void StructureLoopModuleMatchesEagerOnOtherBatchSizesAndGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var m = new BlockMix([1, 2, 3, 2], ScalarType.Float64);
        var (ir, loaded, archive) = TraceAndLoad(m, [randn(3, 8, dtype: ScalarType.Float64)], fixedLastDimension: true);
        foreach (var batch in new[] { 1, 7, 1000 })
        {
            var x = randn(batch, 8, dtype: ScalarType.Float64);
            AssertClose(m.forward(x), (Tensor)loaded.forward(x), 1e-10);
        }

        // gradients w.r.t. inputs and parameters
        var xe = randn(5, 8, dtype: ScalarType.Float64, requires_grad: true);
        var xl = xe.detach().clone().requires_grad_(true);
        m.zero_grad();
        (m.forward(xe) * xe.narrow(1, 0, 3)).sum().backward();
        var outLoaded = (Tensor)loaded.forward(xl);
        (outLoaded * xl.narrow(1, 0, 3)).sum().backward();
        AssertClose(xe.grad!, xl.grad!, 1e-10);
        var eagerParams = m.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var loadedParams = loaded.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(eagerParams.Keys.Order(), loadedParams.Keys.Order());
        foreach (var (name, p) in eagerParams)
        {
            Assert.True(loadedParams[name].requires_grad, $"{name} must be trainable after loading");
            AssertClose(p.grad!, loadedParams[name].grad!, 1e-10);
        }

        // the arange(...) / 10 built inside forward is a constant, not recomputed
        var code = string.Concat(TorchScriptArchive.PrintCode(ir).Values);
        Assert.Contains("CONSTANTS.c", code);
        Assert.DoesNotContain("arange", code);
        var recordInput = randn(4, 8, dtype: ScalarType.Float64);
        Interop.Record("tracing_blockmix", archive, "forward", [recordInput], Interop.Flatten(loaded.forward(recordInput)));
    }
}

public class TracedIndexingTests
{
    [Fact]
    public void IntIndicesWorkAsOnTensorsAndTheLastRowFollowsTheBatch()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var m = new IntIndexing();
        var (ir, loaded, _) = TracerEndToEndTests.TraceAndLoad(m, [randn(4, 3, dtype: ScalarType.Float64)], fixedLastDimension: true);
        foreach (var batch in new[] { 1, 2, 9 })
        {
            var x = randn(batch, 3, dtype: ScalarType.Float64);
            var expected = x.narrow(1, 0, 3) * tensor(new[] { 0.5, -2.0, 3.0 }) * 3.0 + x.narrow(1, 2, 1) + x[batch - 1];
            TracerEndToEndTests.AssertClose(expected, m.forward(x), 1e-12);
            TracerEndToEndTests.AssertClose(expected, (Tensor)loaded.forward(x), 1e-12);
        }

        var code = string.Concat(TorchScriptArchive.PrintCode(ir).Values);
        Assert.Contains("self.weight[0]", code);
        Assert.Contains("self.mix[1, 0]", code);
    }
}
