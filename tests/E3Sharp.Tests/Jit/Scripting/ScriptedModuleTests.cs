using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using E3Sharp.Jit.Serialization;
using E3Sharp.Jit.Tracing;
using E3Sharp.Nn;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting;

/// <summary>E3Sharp's own script-mode modules (as in e3nn: Gate, Sortcut, Extract, ExtractIr) script, with traced children.</summary>
public class ScriptedModuleTests
{
    private static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.allclose(actual, rtol: 1e-10, atol: 1e-12), "scripted output differs from eager");
    }

    [Fact]
    public void GateScriptsWithTracedActivationsAndProduct()
    {
        using var scope = NewDisposeScope();
        var gate = new Gate("4x0e+2x0o", new nn.Module<Tensor, Tensor>?[] { nn.SiLU(), nn.Tanh() }, "3x0e",
            new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1e+2x2o", dtype: float64);
        var children = gate.named_children().ToDictionary(c => c.name, c => c.module);
        var context = new CompileContext();
        void TraceChild(string name, params Tensor[] inputs) =>
            context.SetCompiled(children[name], Tracer.Trace(children[name], inputs, context, fixedLastDimension: true), CompiledHow.Traced);
        TraceChild("act_scalars", randn(3, gate.IrrepsScalars.Dim, dtype: float64));
        TraceChild("act_gates", randn(3, gate.IrrepsGates.Dim, dtype: float64));
        TraceChild("mul", randn(3, gate.IrrepsGated.Dim, dtype: float64), randn(3, gate.IrrepsGates.Dim, dtype: float64));

        var scripted = Scripter.Script(gate, context);

        Assert.Equal(CompiledHow.Scripted, context.TryGetCompiled(children["sc"])!.How);
        var archive = TorchScriptArchive.Write(scripted);
        using var loaded = TorchScriptArchive.Load(archive);
        foreach (var batch in new long[] { 1, 5 })
        {
            var x = gate.IrrepsIn[0].Randn(new[] { batch, -1L }, float64, CPU);
            var expected = gate.forward(x);
            AssertClose(expected, (Tensor)loaded.forward(x));
            Interop.Record($"scripting_gate_{batch}", archive, "forward", [x], [expected]);
        }

        var code = string.Join("\n", TorchScriptArchive.PrintCode(scripted).Values);
        Assert.Contains("if x.size(-1) > 0:".Replace("x.", "gates."), code);
    }

    [Fact]
    public void ExtractScriptsToOneOutputPerIrrepsGroup()
    {
        using var scope = NewDisposeScope();
        var extract = new Extract(new Irreps("1x0e+1x1o+2x0e"), [new Irreps("1x0e+2x0e"), new Irreps("1x1o"), Irreps.Empty],
            [[0, 2], [1], []]);
        var scripted = Scripter.Script(extract, new CompileContext());
        var archive = TorchScriptArchive.Write(scripted);
        using var loaded = TorchScriptArchive.Load(archive);
        var x = randn(4, 6, dtype: float64);
        var expected = extract.forward(x);
        var actual = ((IEnumerable<Tensor>)loaded.forward(x)).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i]);
        }

        Interop.Record("scripting_extract", archive, "forward", [x], expected);
    }

    [Fact]
    public void ExtractIrScripts()
    {
        using var scope = NewDisposeScope();
        var extract = new ExtractIr(new Irreps("2x0e+1x1o+3x0e"), new Irrep("0e"));
        var scripted = Scripter.Script(extract, new CompileContext());
        var archive = TorchScriptArchive.Write(scripted);
        using var loaded = TorchScriptArchive.Load(archive);
        var x = randn(3, 8, dtype: float64);
        var expected = extract.forward(x);
        AssertClose(expected, (Tensor)loaded.forward(x));
        Interop.Record("scripting_extract_ir", archive, "forward", [x], [expected]);
    }
}
