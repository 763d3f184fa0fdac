using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>Compile modes: where they come from, Unsupported anywhere in a tree, and the Script/Trace overrides.</summary>
public class CompileModeTests
{
    [Fact]
    public void ModeComesFromTheAttributeAndIsInheritedAndOverridable()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(JitMode.Trace, TorchScript.GetCompileMode(new Norm(new Irreps("2x0e + 1x1o"))));
        Assert.Equal(JitMode.Script, TorchScript.GetCompileMode(new Gate("2x0e", [nn.SiLU()], "1x0e", [nn.Sigmoid()], "1x1o")));
        Assert.Equal(JitMode.Trace, TorchScript.GetCompileMode(new FullyConnectedTensorProduct("1x0e", "1x0e", "1x0e")));
        Assert.Equal(JitMode.Trace, TorchScript.GetCompileMode(new TracedDerived()));          // inherited
        Assert.Equal(JitMode.Script, TorchScript.GetCompileMode(new ScriptedOverride()));      // a subclass overrides
        Assert.Null(TorchScript.GetCompileMode(new NoMode()));
        Assert.Null(TorchScript.GetCompileMode(nn.Linear(2, 2)));
    }

    [Fact]
    public void AnUnsupportedModuleDeepInTheTreeRefusesEverythingBeforeAnyWork()
    {
        using var scope = NewDisposeScope();
        var counting = new CountingTraced();
        var root = new Supermod(counting, new Wrapper(nn.ModuleList(new ChildMod())));
        var e = Assert.Throws<NotSupportedException>(() => TorchScript.Compile(root));
        Assert.Equal("ChildMod does not support TorchScript compilation", e.Message);
        Assert.Equal(0, counting.TracingInputsMade);   // the traced sibling, compiled first otherwise, was not touched

        // Script and Trace refuse the same way (e3nn's script(Supermod()) in the guide), and leave no mode behind.
        var e2 = Assert.Throws<NotSupportedException>(() => TorchScript.Script(root));
        Assert.Equal("ChildMod does not support TorchScript compilation", e2.Message);
        Assert.Throws<NotSupportedException>(() => TorchScript.Trace(root, ones(2, 3)));
        Assert.Null(TorchScript.GetCompileMode(root));
        Assert.Equal(0, counting.TracingInputsMade);

        // The top module itself.
        Assert.Equal("ChildMod does not support TorchScript compilation",
            Assert.Throws<NotSupportedException>(() => TorchScript.Compile(new ChildMod())).Message);
    }

    [Fact]
    public void ARootWithoutModeIsRefusedWithAHint()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => TorchScript.Compile(new NoMode()));
        Assert.StartsWith("NoMode has no compile mode, so TorchScript.Compile cannot compile it", e.Message);
        Assert.Contains("TorchScript.Script(module) or TorchScript.Trace(module, exampleInputs)", e.Message);
    }

    [Fact]
    public void TraceChecksMustBeAtLeastOne()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchScript.Compile(new CountingTraced(), nTraceChecks: 0));
    }

    [Fact]
    public void ATracedModuleWithoutTracingInputsIsRefusedWithAHint()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<InvalidOperationException>(() => TorchScript.Compile(new TracedDerived()));
        Assert.StartsWith("Cannot trace TracedDerived: it has no tracing inputs. Implement ITracingInputs on TracedDerived", e.Message);
    }

    [Fact]
    public void ATorchScriptModuleHasNoModeAndCompilesToItself()
    {
        using var scope = NewDisposeScope();
        var ir = new E3Sharp.Jit.Ir.ModuleInstance("__torch__.test.Id");
        var f = new E3Sharp.Jit.Ir.MethodBuilder("forward", E3Sharp.Jit.Ir.TsType.Tensor).Param("x", E3Sharp.Jit.Ir.TsType.Tensor);
        f.Return(E3Sharp.Jit.Ir.IrBuilder.Var("x"));
        ir.AddMethod(f.Build());
        using var script = E3Sharp.Jit.Serialization.TorchScriptArchive.ToScriptModule(ir);
        Assert.Null(TorchScript.GetCompileMode(script));
        Assert.Same(script, TorchScript.Compile(script));
    }

    [Fact]
    public void FailedTraceOrScriptRestoresThePreviousMode()
    {
        using var scope = NewDisposeScope();
        // TracedDerived has no tracing inputs: Script of it fails in the (missing) front end or earlier; either way
        // its own mode is back afterwards.
        var m = new UnsupportedInside();
        Assert.Throws<NotSupportedException>(() => TorchScript.Script(m));
        Assert.Equal(JitMode.Trace, TorchScript.GetCompileMode(m));
    }
}

/// <summary>The state snapshot that makes Compile(inPlace: false) leave the original exactly as it was.</summary>
public class StateSnapshotTests
{
    [Fact]
    public void RestorePutsBackChangedValuesReplacedShapesAndTrainingFlags()
    {
        using var scope = NewDisposeScope();
        var lin = nn.Linear(2, 3);
        var drop = nn.Dropout(0.5);
        var net = nn.Sequential(("a", lin), ("d", drop));
        net.train();
        var weight = lin.weight!;
        var before = weight.detach().clone();
        using (var snapshot = TorchScript.StateSnapshot.Take(net))
        {
            using (no_grad())
            {
                weight.mul_(3.0);
            }

            drop.eval();
            snapshot.Restore();
        }

        Assert.True(allclose(before, weight, rtol: 0, atol: 0));
        Assert.True(drop.training);
        Assert.True(net.training);
    }
}
