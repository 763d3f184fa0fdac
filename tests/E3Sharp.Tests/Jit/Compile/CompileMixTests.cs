using E3Sharp.Jit;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using E3Sharp.O3;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>
/// Recursive compilation mixing modes: scripted parents of traced children and the reverse (control flow kept,
/// both branches checked), three levels, the original left alone, trace checks, and TorchScript children loaded
/// from files. Every compiled module is compared with the eager module it came from.
/// </summary>
public class CompileMixTests
{
    private static readonly Irreps Irreps = new("2x0e + 1x1o");

    private static void AssertSame(nn.Module<Tensor, Tensor> eager, jit.ScriptModule<Tensor, Tensor> compiled, Tensor x, string what)
    {
        var e = eager.call(x);
        var c = compiled.call(x);
        Assert.True(e.shape.SequenceEqual(c.shape), $"{what}: shape [{string.Join(", ", c.shape)}] instead of [{string.Join(", ", e.shape)}]");
        Assert.True(allclose(e, c, rtol: 1e-5, atol: 1e-6), $"{what}: compiled {c.str()} vs eager {e.str()}");
    }

    [Fact]
    public void ScriptedParentWithTracedChildKeepsBothBranches()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var mod = new ScriptedBranch(Irreps);
        var compiled = TorchScript.Compile(mod);
        Assert.Equal("ScriptedBranch: scripted\n└─ norm: Norm: traced\n   └─ tp: TensorProduct: traced", TorchScript.Describe(compiled));
        var halved = tensor(new float[,] { { 3, -4, 1, 2, 2 }, { 0, 0, 0, 0, 0 } });
        var kept = tensor(new float[,] { { 10, 0, 0, 0, 0 } });
        Assert.True(allclose(compiled.call(halved), tensor(new float[,] { { 1.5f, 2, 1.5f }, { 0, 0, 0 } })));
        Assert.True(allclose(compiled.call(kept), tensor(new float[,] { { 10, 0, 0 } })));
        AssertSame(mod, compiled, Irreps.Randn(6, -1), "random");
        Interop.Record("compile_scripted_parent_traced_child", TorchScriptArchive.SaveToBytes(compiled), "forward", [halved], [compiled.call(halved)]);
    }

    [Fact]
    public void TracedParentWithScriptedChildKeepsTheLoopAndEarlyReturn()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var mod = new TracedAround(Irreps);
        var compiled = TorchScript.Trace(mod, Irreps.Randn(3, -1));
        Assert.Equal("TracedAround: traced\n└─ first: ScriptedFirstRow: scripted\n   └─ norm: Norm: traced\n      └─ tp: TensorProduct: traced",
            TorchScript.Describe(compiled));

        // No row above 0.1: the loop runs to its end and all rows come back (shape [2, 3]).
        var zeros2 = zeros(2, Irreps.Dim);
        Assert.True(allclose(compiled.call(zeros2), full(2, 3, 3.0f)));
        // A row above 0.1: the early return gives that single row (shape [3]) - a trace alone would have fixed one.
        var x = Irreps.Randn(3, -1);
        Assert.Equal([3L], compiled.call(x).shape);
        AssertSame(mod, compiled, zeros2, "zeros");
        AssertSame(mod, compiled, x, "random");
        // The second row is the first one above 0.1.
        var secondRow = cat([zeros(1, Irreps.Dim), tensor(new float[,] { { 1, 0, 0, 0, 0 } }), zeros(1, Irreps.Dim)]);
        AssertSame(mod, compiled, secondRow, "second row");
        Interop.Record("compile_traced_parent_scripted_child", TorchScriptArchive.SaveToBytes(compiled), "forward", [zeros2], [compiled.call(zeros2)]);
    }

    [Fact]
    public void ThreeLevelMixMatchesEagerOnEveryBranchAndLeavesTheOriginalUnchanged()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var mod = new ScriptedOuter(Irreps);
        var stateBefore = mod.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var childrenBefore = mod.named_modules().Select(m => m.module).ToArray();

        var compiled = TorchScript.Compile(mod);
        Assert.Equal(
            "ScriptedOuter: scripted\n" +
            "└─ middle: TracedMiddle: traced\n" +
            "   ├─ branch: ScriptedBranch: scripted\n" +
            "   │  └─ norm: Norm: traced\n" +
            "   │     └─ tp: TensorProduct: traced\n" +
            "   └─ proj: Linear: traced",
            TorchScript.Describe(compiled));

        foreach (var (scale, what) in new[] { (0.1f, "small (halved, kept)"), (3f, "norms above 7 (kept)"), (300f, "above 100 (zeroed)") })
        {
            AssertSame(mod, compiled, Irreps.Randn(4, -1) * scale, what);
        }

        // The original: same parameters and buffers bit for bit, same children, modes untouched.
        var stateAfter = mod.state_dict();
        Assert.Equal(stateBefore.Keys.OrderBy(k => k), stateAfter.Keys.OrderBy(k => k));
        foreach (var (k, v) in stateBefore)
        {
            Assert.True(equal(v, stateAfter[k]).all().item<bool>(), $"{k} changed");
        }

        Assert.Equal(childrenBefore, mod.named_modules().Select(m => m.module).ToArray());
        Assert.Equal(JitMode.Script, TorchScript.GetCompileMode(mod));

        // Training the compiled module leaves the original's weights alone.
        var opt = optim.SGD(compiled.parameters(), 0.5);
        compiled.call(Irreps.Randn(4, -1)).pow(2).sum().backward();
        opt.step();
        foreach (var (k, v) in stateBefore)
        {
            Assert.True(equal(v, mod.state_dict()[k]).all().item<bool>(), $"{k} changed by training the compiled module");
        }

        var x = Irreps.Randn(5, -1);
        Interop.Record("compile_three_level_mix", TorchScriptArchive.SaveToBytes(compiled), "forward", [x], [compiled.call(x)],
            compiled.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void TraceChecksCatchAForwardThatBranchesOnTheBatchSize()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<InvalidOperationException>(() => TorchScript.Compile(new BatchSizeBranch()));
        Assert.StartsWith("Trace check failed for BatchSizeBranch: on tracing input 1 of 2 (shapes [5, 3]) the output differs by up to", e.Message);
        Assert.Contains("mark the module [CompileMode(JitMode.Script)]", e.Message);
    }

    private static jit.ScriptModule<Tensor, Tensor> LoadedChildFromFile(string path)
    {
        // A TorchScript module with a data-dependent branch, written by E3Sharp's backend, saved with LibTorch.
        var ir = new ModuleInstance("__torch__.test.Clamp").AddParameter("limit", tensor(1.5f));
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        f.If(Torch("any", Var("x") > Self("limit")), t => t.Return(Var("x") * 0.0), e => e.Return(Var("x") - 1.0));
        ir.AddMethod(f.Build());
        using (var m = TorchScriptArchive.ToScriptModule(ir))
        {
            torch.jit.save(m, path);
        }

        return torch.jit.load<Tensor, Tensor>(path);
    }

    [Fact]
    public void AChildLoadedFromATorchScriptFileIsKeptInTracedAndScriptedParents()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Path.GetTempPath(), $"e3sharp-child-{Guid.NewGuid():N}.pt");
        try
        {
            manual_seed(2);
            var traced = new AroundLoaded(LoadedChildFromFile(path));
            var compiledTraced = TorchScript.Trace(traced, randn(3, 2));
            Assert.Equal("AroundLoaded: traced\n├─ lin: Linear: compiled into its parent\n└─ loaded: Clamp: loaded", TorchScript.Describe(compiledTraced));
            var small = full(2, 2, 0.01f);
            var large = full(2, 2, 100.0f);
            AssertSame(traced, compiledTraced, small, "traced, small");
            AssertSame(traced, compiledTraced, large, "traced, large");
            Assert.Contains("loaded.limit", compiledTraced.named_parameters().Select(p => p.name));

            var scripted = new ScriptedAroundLoaded(LoadedChildFromFile(path));
            var compiledScripted = TorchScript.Compile(scripted);
            Assert.Equal("ScriptedAroundLoaded: scripted\n└─ loaded: Clamp: loaded", TorchScript.Describe(compiledScripted));
            foreach (var v in new[] { 0.5f, 3.0f })
            {
                AssertSame(scripted, compiledScripted, full(2, 2, v), $"scripted, {v}");
            }

            Interop.Record("compile_traced_parent_loaded_child", TorchScriptArchive.SaveToBytes(compiledTraced), "forward", [small], [compiledTraced.call(small)]);
            Interop.Record("compile_scripted_parent_loaded_child", TorchScriptArchive.SaveToBytes(compiledScripted), "forward", [small], [compiledScripted.call(small)]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ACompiledModuleCanBeCompiledIntoALargerOne()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var inner = new ScriptedBranch(Irreps);
        var innerCompiled = TorchScript.Compile(inner);
        var outer = new AroundCompiled(innerCompiled);
        var compiled = TorchScript.Trace(outer, Irreps.Randn(3, -1));
        Assert.Equal("AroundCompiled: traced\n└─ inner: ScriptedBranch: loaded\n   └─ norm: Norm: loaded\n      └─ tp: TensorProduct: loaded",
            TorchScript.Describe(compiled));
        foreach (var scale in new[] { 0.5f, 10f })
        {
            var x = Irreps.Randn(4, -1) * scale;
            Assert.True(allclose(inner.call(x) + 1.0, compiled.call(x), rtol: 1e-5, atol: 1e-6));
        }
    }
}

/// <summary>No mode: traced around an already compiled module.</summary>
public partial class AroundCompiled : nn.Module<Tensor, Tensor>
{
    private readonly jit.ScriptModule<Tensor, Tensor> inner;

    public AroundCompiled(jit.ScriptModule<Tensor, Tensor> inner) : base(nameof(AroundCompiled))
    {
        this.inner = inner;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => inner.call(x) + 1.0;
}
