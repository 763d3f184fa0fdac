using E3Sharp.Jit;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using E3Sharp.Jit.Tracing;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Tracing;

public class TracerBehaviourTests
{
    [Fact]
    public void SeedTracingModuleTracesWithItsOwnInputsAndFreeLastDimension()
    {
        using var scope = NewDisposeScope();
        var m = new TracingModule();
        var inputs = ((ITracingInputs)m).MakeTracingInputs(4);
        Assert.False(((ITracingInputs)m).FixedLastDimension);
        var (ir, loaded, archive) = TracerEndToEndTests.TraceAndLoad(m, inputs[0], ((ITracingInputs)m).FixedLastDimension);
        foreach (var args in inputs.Skip(1).Append([randn(7, 5)]).Append([randn(4, 1)]))
        {
            TracerEndToEndTests.AssertClose(m.forward(args[0]), (Tensor)loaded.forward(args[0]), 1e-5);
        }

        var code = string.Concat(TorchScriptArchive.PrintCode(ir).Values);
        Assert.Contains("x[self.indexes]", code);
        Assert.DoesNotContain("RaiseException", code);
        Assert.Equal(new[] { "indexes" }, loaded.named_buffers().Select(b => b.name));
        Interop.Record("tracing_tracing_module", archive, "forward", [inputs[1][0]], [(Tensor)loaded.forward(inputs[1][0])]);
    }

    [Fact]
    public void SizesReadFromTheBatchDimensionStaySymbolic()
    {
        using var scope = NewDisposeScope();
        var m = new ShapeModule();
        var context = new CompileContext();
        var (ir, loaded, archive) = TracerEndToEndTests.TraceAndLoad(m, [randn(3, 6)], true, context);
        foreach (var batch in new[] { 1, 2, 1000 })
        {
            var x = randn(batch, 6);
            TracerEndToEndTests.AssertClose(m.forward(x), (Tensor)loaded.forward(x), 1e-5);
        }

        var code = string.Concat(TorchScriptArchive.PrintCode(ir).Values);
        Assert.Contains("x.size(0)", code);
        Assert.Empty(context.Warnings);
        var recordInput = randn(5, 6);
        Interop.Record("tracing_shape_module", archive, "forward", [recordInput], [(Tensor)loaded.forward(recordInput)]);
    }

    [Fact]
    public void UnflattenCountedFromTheEndIsRecordedNegativeSoTheTraceRunsInputsOfAnyRank()
    {
        using var scope = NewDisposeScope();
        var (ir, loaded, archive) = TracerEndToEndTests.TraceAndLoad(new LastDimensionSplitModule(true), [randn(4, 6)], true);
        Assert.Contains(".unflatten(-1,", string.Concat(TorchScriptArchive.PrintCode(ir).Values));
        var m = new LastDimensionSplitModule(true);
        foreach (var shape in new[] { new long[] { 6 }, new long[] { 4, 6 }, new long[] { 2, 3, 6 }, new long[] { 2, 1, 3, 6 } })
        {
            var x = randn(shape);
            var expected = m.forward(x);
            Assert.Equal(shape[..^1].Append(3), expected.shape);
            TracerEndToEndTests.AssertClose(expected, (Tensor)loaded.forward(x), 1e-6);
        }

        // Counted from the example's rank (x.dim() - 1), the trace holds dimension 1: 3-D inputs split the wrong one.
        var (rankIr, rankLoaded, _) = TracerEndToEndTests.TraceAndLoad(new LastDimensionSplitModule(false), [randn(4, 6)], true);
        Assert.Contains(".unflatten(1,", string.Concat(TorchScriptArchive.PrintCode(rankIr).Values));
        Assert.ThrowsAny<Exception>(() => rankLoaded.forward(randn(2, 3, 6)));
        var input = randn(2, 3, 6);
        Interop.Record("tracing_unflatten_from_end", archive, "forward", [input], [(Tensor)loaded.forward(input)]);

        // A size read from the batch stays symbolic with a dimension from the end too.
        var context = new CompileContext();
        var (refoldIr, refold, _) = TracerEndToEndTests.TraceAndLoad(new RefoldModule(), [randn(4, 6)], true, context);
        Assert.Contains(".unflatten(-1, annotate(List[int], [x.size(0), -1]))", string.Concat(TorchScriptArchive.PrintCode(refoldIr).Values));
        Assert.Empty(context.Warnings);
        var seven = randn(7, 6);
        TracerEndToEndTests.AssertClose(new RefoldModule().forward(seven), (Tensor)refold.forward(seven), 1e-6);
    }

    [Fact]
    public void UnflattenExtensionCountsFromEitherEndAndNamesAMissingDimension()
    {
        using var scope = NewDisposeScope();
        var x = arange(24).reshape(2, 12);
        Assert.Equal(new long[] { 2, 3, 4 }, x.unflatten(^1, 3, 4).shape);
        Assert.Equal(new long[] { 2, 3, 4 }, x.unflatten(1, 3, 4).shape);
        Assert.Equal(new long[] { 1, 2, 12 }, x.unflatten(^2, 1, 2).shape);
        Assert.True(x.unflatten(^1, 3, 4).eq(x.view(2, 3, 4)).all().item<bool>());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.unflatten(^3, 1, 2));
        Assert.Contains("unflatten: dimension ^3 does not exist in a tensor with 2 dimensions.", e.Message);
    }

    [Fact]
    public void WrongLastDimensionIsRejectedAtRunTimeWithAClearMessage()
    {
        using var scope = NewDisposeScope();
        var (_, loaded, _) = TracerEndToEndTests.TraceAndLoad(new ShapeModule(), [randn(3, 6)], fixedLastDimension: true);
        var e = Assert.ThrowsAny<Exception>(() => loaded.forward(randn(3, 7)));
        Assert.Contains("ShapeModule: the last dimension of argument 'x' must be 6 (the size it was traced with), but the given tensor's last dimension is 7", e.Message);
    }

    [Fact]
    public void CompiledChildIsCalledAsSubmoduleAndOtherwiseInlined()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var parent = new Parent();
        var x = randn(3, 4, dtype: ScalarType.Float64);

        // not compiled: inlined, its parameter scoped under its name
        var (inlinedIr, inlined, _) = TracerEndToEndTests.TraceAndLoad(parent, [x], true);
        var inlinedCode = string.Concat(TorchScriptArchive.PrintCode(inlinedIr).Values);
        Assert.DoesNotContain("self.child.forward", inlinedCode);
        Assert.Contains("self.child.scale", inlinedCode);
        Assert.Equal(new[] { "child.scale" }, inlined.named_parameters().Select(p => p.name));

        // compiled first: a submodule call
        var context = new CompileContext();
        var childIr = Tracer.Trace(GetChild(parent), [x], context, true);
        context.SetCompiled(GetChild(parent), childIr, CompiledHow.Traced);
        var parentIr = Tracer.Trace(parent, [x], context, true);
        var code = string.Concat(TorchScriptArchive.PrintCode(parentIr).Values);
        Assert.Contains("self.child.forward(x)", code);
        var archive = TorchScriptArchive.Write(parentIr);
        using var loaded = TorchScriptArchive.Load(archive);
        foreach (var batch in new[] { 1, 9 })
        {
            var xi = randn(batch, 4, dtype: ScalarType.Float64);
            TracerEndToEndTests.AssertClose(parent.forward(xi), (Tensor)loaded.forward(xi), 1e-10);
            TracerEndToEndTests.AssertClose(parent.forward(xi), (Tensor)inlined.forward(xi), 1e-10);
        }

        Assert.Equal(new[] { "child.scale" }, loaded.named_parameters().Select(p => p.name));
        Interop.Record("tracing_compiled_child", archive, "forward", [x], [(Tensor)loaded.forward(x)]);
    }

    private static Child GetChild(Parent p) => (Child)p.named_children().Single().module;

    [Fact]
    public void UnsupportedBuiltinModuleIsAnErrorNamingTheType()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TracingException>(() => Tracer.Trace(new HasConv(), [randn(3, 2, 5)], new CompileContext(), false));
        Assert.Contains("cannot trace through module type TorchSharp.Modules.Conv1d (submodule 'conv')", e.Message);
        Assert.Contains("module HasConv", e.Message);
        Assert.Contains("TracingTestModules.cs:line", e.Message);
    }

    [Fact]
    public void ModuleWithoutTwinIsAnErrorNamingTheType()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TracingException>(() => Tracer.Trace(nn.Conv1d(2, 2, 1), [randn(3, 2, 5)], new CompileContext(), false));
        Assert.Contains("Cannot trace module type TorchSharp.Modules.Conv1d: it has no tracing twin", e.Message);
        Assert.False(Tracer.CanTrace(typeof(TorchSharp.Modules.Conv1d)));
        Assert.True(Tracer.CanTrace(typeof(BlockMix)));
        Assert.True(Tracer.CanTrace(typeof(TorchSharp.Modules.Linear)));
    }

    [Fact]
    public void OperationTorchScriptCannotExpressIsAnErrorNamingOpModuleAndLine()
    {
        using var scope = NewDisposeScope();
        // softplus with an integer tensor input has no aten overload taking a bool dtype... use a recorded op
        // whose arguments do not match any TorchScript overload: narrow on an int64 input works, but
        // clamp_min with a bool scalar has no overload.
        var e = Assert.Throws<TracingException>(() => Tracer.Trace(new BadOp(), [randn(3, 4)], new CompileContext(), true));
        Assert.Contains("module BadOp at TracingTestModules.cs:line", e.Message);
        Assert.Contains("the operation 'clamp_min' cannot be recorded", e.Message);
    }

    [Fact]
    public void DataDependentControlFlowIsWarned()
    {
        using var scope = NewDisposeScope();
        var context = new CompileContext();
        Tracer.Trace(new Branchy(), [ones(3, 4, dtype: ScalarType.Float64)], context, true);
        var warning = Assert.Single(context.Warnings);
        Assert.Contains("Tracer warning in module Branchy at TracingTestModules.cs:line", warning);
        Assert.Contains("converted to a C# value (item<Double>())", warning);
    }

    [Fact]
    public void BakedBatchSizeIsAnErrorNotAWrongTrace()
    {
        using var scope = NewDisposeScope();
        var context = new CompileContext();
        var e = Assert.Throws<TracingException>(() => Tracer.Trace(new BakesBatch(), [randn(3, 4)], context, true));
        Assert.Contains("'reshape' works on the example inputs but fails when their free (batch) dimensions change", e.Message);
        Assert.Contains("module BakesBatch at TracingTestModules.cs:line", e.Message);
        Assert.Contains(context.Warnings, w => w.Contains("x.size(0) (traced value 3)"));
    }

    [Fact]
    public void BuiltinModulesTraceToAtenOps()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        var m = new BuiltinStack();
        m.eval();
        var x = randn(3, 4);
        var tokens = tensor(new long[,] { { 1, 2 }, { 3, 4 }, { 9, 0 } });
        var (ir, loaded, archive) = TracerEndToEndTests.TraceAndLoad(m, [x, tokens], fixedLastDimension: true);
        foreach (var batch in new[] { 1, 6 })
        {
            var xi = randn(batch, 4);
            var ti = randint(0, 10, new long[] { batch, 2 });
            TracerEndToEndTests.AssertClose(m.forward(xi, ti), (Tensor)loaded.forward(xi, ti), 1e-5);
        }

        var code = string.Concat(TorchScriptArchive.PrintCode(ir).Values);
        Assert.Contains("torch.dropout(", code);
        Assert.Contains("self.drop.training", code);
        Assert.Contains("torch.layer_norm(", code);
        Assert.Contains("torch.embedding(self.emb.weight", code);
        Assert.Equal(m.named_parameters().Select(p => p.name).Order(), loaded.named_parameters().Select(p => p.name).Order());
        loaded.load_state_dict(m.state_dict());
        Interop.Record("tracing_builtins", archive, "forward", [x, tokens], [(Tensor)loaded.forward(x, tokens)]);
    }
}

public class TraceCheckTests
{
    [Fact]
    public void FailedTraceCheckNamesModuleAndLargestDifference()
    {
        using var scope = NewDisposeScope();
        var m = new Branchy();
        var context = new CompileContext();
        var ir = Tracer.Trace(m, [ones(3, 4, dtype: ScalarType.Float64)], context, true);
        using var loaded = TorchScriptArchive.Load(TorchScriptArchive.Write(ir));
        Tracer.Check(m, loaded, [[full(2, 4, 3.0, dtype: ScalarType.Float64)]], context);
        var e = Assert.Throws<TracingException>(() =>
            Tracer.Check(m, loaded, [[full(2, 4, 3.0, dtype: ScalarType.Float64)], [full(5, 4, -1.0, dtype: ScalarType.Float64)]], context));
        Assert.StartsWith("Trace check failed for Branchy: on tracing input 1 of 2 (shapes [5, 4]) the output differs by up to 1 " +
                          "(tolerance ", e.Message);
        Assert.Contains("mark the module [CompileMode(JitMode.Script)]", e.Message);
        Assert.Contains("Tracer warnings: Tracer warning in module Branchy", e.Message);
    }

    [Fact]
    public void TraceCheckNamesAnInputTheTracedModuleRejects()
    {
        using var scope = NewDisposeScope();
        var m = new Branchy();
        var ir = Tracer.Trace(m, [ones(3, 4, dtype: ScalarType.Float64)], new CompileContext(), true);
        using var loaded = TorchScriptArchive.Load(TorchScriptArchive.Write(ir));
        var e = Assert.Throws<TracingException>(() => Tracer.Check(m, loaded, [[ones(3, 4, dtype: ScalarType.Float64)], [ones(2, 5, dtype: ScalarType.Float64)]]));
        Assert.StartsWith("Trace check failed for Branchy: the traced module rejected tracing input 1 (shapes [2, 5]) that the eager " +
                          "module accepts: ", e.Message);
        Assert.Contains("the last dimension of argument 'x' must be 4", e.Message);
    }

    [Fact]
    public void TraceCheckNamesAnInputTheEagerModuleRejects()
    {
        using var scope = NewDisposeScope();
        var m = new IntIndexing();
        var ir = Tracer.Trace(m, [randn(4, 3, dtype: ScalarType.Float64)], new CompileContext(), true);
        using var loaded = TorchScriptArchive.Load(TorchScriptArchive.Write(ir));
        var e = Assert.Throws<TracingException>(() => Tracer.Check(m, loaded, [[randn(2, 2, dtype: ScalarType.Float64)]]));
        Assert.StartsWith("Trace check failed for IntIndexing: the eager module failed on tracing input 0 (shapes [2, 2]): ", e.Message);
        Assert.NotNull(e.InnerException);
    }
}

public class OpCoverageTests
{
    [Fact]
    public void ManyRecordedOperationsMatchEager()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        var m = new OpCoverage();
        var context = new CompileContext();
        Tensor[] Make(long b) => [randn(b, 6, dtype: ScalarType.Float64), randn(b, 3, dtype: ScalarType.Float64)];
        var (ir, loaded, archive) = TracerEndToEndTests.TraceAndLoad(m, Make(4), true, context);
        foreach (var batch in new[] { 1, 3, 40 })
        {
            var args = Make(batch);
            TracerEndToEndTests.AssertClose(m.forward(args[0], args[1]), (Tensor)loaded.forward(args[0], args[1]), 1e-10);
        }

        Assert.Empty(context.Warnings);
        var rec = Make(2);
        Interop.Record("tracing_op_coverage", archive, "forward", rec, [(Tensor)loaded.forward(rec[0], rec[1])]);
    }
}
