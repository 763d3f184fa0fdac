using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using E3Sharp.Jit.Tracing;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Jit.Serialization;
using E3Sharp.Tests.Jit.Scripting.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting;

/// <summary>The seed's two control-flow modules, scripted from C# and run in TorchSharp against eager.</summary>
public class ScriptedControlFlowTests
{
    [Fact]
    public void MyModuleScriptsAndMatchesEagerOnBothBranches()
    {
        using var scope = NewDisposeScope();
        var child = new RowNorm();
        var module = new MyModule(child);
        var context = new CompileContext();
        ScriptTestUtil.RegisterRowNorm(context, child);

        var scripted = Scripter.Script(module, context);

        var small = tensor(new float[,] { { 1, 2, 2 }, { 0, 3, 4 } });     // norms 3, 5: no norm > 7 -> norm * 0.5
        var large = tensor(new float[,] { { 1, 2, 2 }, { 0, 6, 8 } });     // norms 3, 10 -> norm
        Assert.False(any(child.forward(small) > 7.0).item<bool>());
        Assert.True(any(child.forward(large) > 7.0).item<bool>());
        ScriptTestUtil.AssertScriptedMatchesEager(module, scripted, "scripting_my_module", small, large);

        var code = TorchScriptArchive.PrintCode(scripted).Single(kv => kv.Key.EndsWith(".py", StringComparison.Ordinal) && kv.Value.Contains("class MyModule")).Value;
        Assert.Contains("norm = self.norm.forward(x)", code);
        Assert.Contains("if bool(torch.any(norm > 7.0)):", code);
        Assert.Same(scripted, context.TryGetCompiled(module)?.Instance);
        Assert.Equal(CompiledHow.Scripted, context.TryGetCompiled(module)?.How);
    }

    [Fact]
    public void MyModule2ScriptsAndMatchesEagerOnEveryPath()
    {
        using var scope = NewDisposeScope();
        var child = new RowNorm();
        var module = new MyModule2(child);
        var context = new CompileContext();
        ScriptTestUtil.RegisterRowNorm(context, child);

        var scripted = Scripter.Script(module, context);

        var firstHot = tensor(new float[,] { { 0.3f, 0, 0 }, { 0, 0, 0 } });            // returns row 0
        var secondHot = tensor(new float[,] { { 0.01f, 0, 0 }, { 0, 0.5f, 0 } });       // returns row 1
        var noneHot = tensor(new float[,] { { 0.01f, 0, 0 }, { 0, 0.02f, 0 } });        // returns norm [2, 1]
        Assert.Equal(new long[] { 1 }, module.forward(secondHot).shape);
        Assert.Equal(new long[] { 2, 1 }, module.forward(noneHot).shape);
        ScriptTestUtil.AssertScriptedMatchesEager(module, scripted, "scripting_my_module2", firstHot, secondHot, noneHot);

        var code = TorchScriptArchive.PrintCode(scripted).Single(kv => kv.Value.Contains("class MyModule2")).Value;
        Assert.Contains("for row in norm:", code);
    }

    /// <summary>The docs examples with e3nn's child, a traced o3.Norm("2x0e+1x1o").</summary>
    [Fact]
    public void DocsExamplesScriptWithATracedNorm()
    {
        using var scope = NewDisposeScope();
        var irreps = new Irreps("2x0e+1x1o");
        var small = tensor(new double[,] { { 1, -2, 0.1, 0.2, 0.2 }, { 0.01, 0, 0, 0.03, 0.04 } });   // norms <= 2: no norm > 7
        var large = tensor(new double[,] { { 1, -2, 0.1, 0.2, 0.2 }, { 0, 9, 0, 0, 0 } });            // |9| > 7
        var tiny = tensor(new double[,] { { 0.01, 0.02, 0, 0, 0.05 }, { 0.02, 0, 0, 0.01, 0 } });    // no row > 0.1
        var secondHot = tensor(new double[,] { { 0.01, 0.02, 0, 0, 0.05 }, { 0, 9, 0, 0, 0 } });     // row 1 is returned
        foreach (var (module, name, inputs) in new (Func<nn.Module<Tensor, Tensor>, nn.Module<Tensor, Tensor>>, string, Tensor[])[]
                 {
                     (n => new MyModule(n), "scripting_my_module_norm", [small, large]),
                     (n => new MyModule2(n), "scripting_my_module2_norm", [small, secondHot, tiny]),
                 })
        {
            var norm = new Norm(irreps, dtype: float64);
            var root = module(norm);
            var context = new CompileContext();
            context.SetCompiled(norm, Tracer.Trace(norm, [irreps.Randn(new[] { 3L, -1L }, float64, CPU)], context, fixedLastDimension: true),
                CompiledHow.Traced);
            ScriptTestUtil.AssertScriptedMatchesEager(root, Scripter.Script(root, context), name, inputs);
            if (root is MyModule2)
            {
                // each path taken: row 0, row 1 (values differ), the whole norm (shape differs)
                Assert.True(Same(root.forward(small), norm.forward(small)[0]));
                Assert.True(Same(root.forward(secondHot), norm.forward(secondHot)[1]));
                Assert.Equal(new long[] { 2, 3 }, root.forward(tiny).shape);
            }
            else
            {
                Assert.True(Same(root.forward(small), norm.forward(small) * 0.5));
                Assert.True(Same(root.forward(large), norm.forward(large)));
            }
        }
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void BuiltinChildrenAreConvertedWithoutHelp()
    {
        using var scope = NewDisposeScope();
        var linear = nn.Linear(3, 3);
        var sequential = new MyModule2(nn.Sequential(("lin", (nn.Module<Tensor, Tensor>)nn.Linear(3, 2)), ("act", nn.Tanh())));
        ScriptTestUtil.AssertScriptedMatchesEager(sequential, Scripter.Script(sequential, new CompileContext()),
            "scripting_sequential_child", tensor(new float[,] { { 1, 2, 9 }, { -1, 0, 3 } }));
        var small = new MyModule(nn.SiLU());
        var scripted = Scripter.Script(small, new CompileContext());
        var x = tensor(new float[,] { { 1, 2, 9 }, { -1, 0, 3 } });
        var x2 = tensor(new float[,] { { 1, 2, 3 } });
        ScriptTestUtil.AssertScriptedMatchesEager(small, scripted, "scripting_builtin_child", x, x2);
        var withLinear = new MyModule(linear);
        ScriptTestUtil.AssertScriptedMatchesEager(withLinear, Scripter.Script(withLinear, new CompileContext()),
            "scripting_linear_child", x * 10, x2);
    }

    [Fact]
    public void CanScriptIsTrueOnlyForTranslatedClasses()
    {
        Assert.True(Scripter.CanScript(typeof(MyModule)));
        Assert.True(Scripter.CanScript(typeof(MyModule2)));
        Assert.False(Scripter.CanScript(typeof(RowNorm)));
    }

    [Fact]
    public void ScriptingAModuleWithoutTranslationNamesItsType()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ScriptingException>(() => Scripter.Script(new RowNorm(), new CompileContext()));
        Assert.Equal(
            "E3Sharp.Tests.Jit.Scripting.Modules.RowNorm cannot be scripted: the E3Sharp generator has not translated its forward. " +
            "Mark the class [CompileMode(JitMode.Script)] and declare it partial (build errors E3S0xx explain what else its forward needs), " +
            "or compile it by tracing.",
            e.Message);
    }

    [Fact]
    public void AChildWithoutTorchScriptFormIsAClearError()
    {
        using var scope = NewDisposeScope();
        var module = new MyModule(new RowNorm());
        var e = Assert.Throws<ScriptingException>(() => Scripter.Script(module, new CompileContext()));
        Assert.Equal(
            "Cannot script E3Sharp.Tests.Jit.Scripting.Modules.MyModule: its submodule 'norm' is a " +
            "E3Sharp.Tests.Jit.Scripting.Modules.RowNorm, which has no TorchScript form yet (TorchSharp built-ins such as " +
            "Linear, SiLU, Sequential are converted automatically). Give that class a compile mode " +
            "([CompileMode(JitMode.Script)] on a partial class whose forward uses the scripting subset, or " +
            "[CompileMode(JitMode.Trace)]), or compile it first and register it in the CompileContext.",
            e.Message);
    }
}
