using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using E3Sharp.Jit.Serialization;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting;

/// <summary>
/// A child without a compile mode inside a scripted parent is scripted with it when its (partial) class can be, as
/// <c>torch.jit.script</c> scripts children; otherwise the error names the class and why.
/// </summary>
public class ImplicitScriptTests
{
    [Fact]
    public void PlainPartialChildIsScriptedWithItsScriptedParent()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var module = new ScriptedParent(new PlainClampedScale(3));
        var inputs = new List<Tensor[]> { new[] { randn(4, 3) }, new[] { randn(7, 3) } };
        var compiled = Assertions.AssertAutoJitable(module, strictShapes: false, exampleInputs: inputs);
        Assert.Contains("child: PlainClampedScale: scripted", TorchScript.Describe(compiled));
        // The child's data-dependent branch survives (a trace would have fixed it).
        foreach (var x in new[] { full(new long[] { 2, 3 }, 0.5f), full(new long[] { 2, 3 }, 5.0f) })
        {
            AssertClose(module.forward(x), (Tensor)compiled.invoke("forward", x), 1e-6, "branch");
        }

        Interop.Record("parity_implicit_script_child_f32", TorchScriptArchive.SaveToBytes(compiled), "forward",
            new[] { inputs[1][0] }, new[] { (Tensor)compiled.invoke("forward", inputs[1][0]) });
    }

    [Fact]
    public void PlainChildOutsideTheSubsetIsAnErrorNamingItsClassAndWhy()
    {
        using var scope = NewDisposeScope();
        var module = new ScriptedParent(new PlainWithLambda());
        var e = Assert.Throws<ScriptingException>(() => Scripter.Script(module, new CompileContext()));
        Assert.StartsWith(
            "Cannot script E3Sharp.Tests.Jit.Scripting.ScriptedParent: its submodule 'child' is a " +
            "E3Sharp.Tests.Jit.Scripting.PlainWithLambda, which has no compile mode and cannot be scripted with it: ", e.Message);
        Assert.Contains("ImplicitScriptTests.cs:", e.Message);
        Assert.Contains("lambda", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>A scripted parent calling one child.</summary>
[CompileMode(JitMode.Script)]
public partial class ScriptedParent : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> child;

    public ScriptedParent(nn.Module<Tensor, Tensor> child) : base(nameof(ScriptedParent))
    {
        this.child = child;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => child.call(x).add(1.0);
}

/// <summary>A plain module (no compile mode) with a data-dependent branch.</summary>
public partial class PlainClampedScale : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Parameter weight;

    public PlainClampedScale(int n) : base(nameof(PlainClampedScale))
    {
        weight = new TorchSharp.Modules.Parameter(randn(n));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (x.abs().max().item<float>() > 2.0f)
        {
            return x.mul(weight).clamp(-2.0, 2.0);
        }

        return x.mul(weight);
    }
}

/// <summary>A plain module whose forward is outside the scripting subset (a lambda).</summary>
public partial class PlainWithLambda : nn.Module<Tensor, Tensor>
{
    public PlainWithLambda() : base(nameof(PlainWithLambda))
    {
    }

    public override Tensor forward(Tensor x)
    {
        Func<Tensor, Tensor> f = t => t.mul(2.0);
        return f(x);
    }
}
