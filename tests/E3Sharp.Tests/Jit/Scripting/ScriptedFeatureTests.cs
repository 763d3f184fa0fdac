using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using E3Sharp.Jit.Serialization;
using E3Sharp.Tests.Jit.Scripting.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting;

/// <summary>Scripted modules exercising the subset, loaded in TorchSharp and compared with eager.</summary>
public class ScriptedFeatureTests
{
    [Theory]
    [InlineData(3, 0.5, true)]
    [InlineData(40, 0.5, false)]
    public void LoopsModuleMatchesEager(int repeats, double factor, bool useBias)
    {
        using var scope = NewDisposeScope();
        var module = new LoopsModule(repeats, factor, useBias);
        var scripted = Scripter.Script(module, new CompileContext());
        var archive = TorchScriptArchive.Write(scripted);
        using var loaded = TorchScriptArchive.Load(archive);
        var inputs = new[] { torch.randn(5, 4, generator: new Generator(1)), torch.randn(2, 4, generator: new Generator(2)) * 1e-4 };
        for (var i = 0; i < inputs.Length; i++)
        {
            var (a, b) = module.forward(inputs[i]);
            var (ra, rb) = ((Tensor, Tensor))loaded.forward(inputs[i]);
            AssertClose(a, ra);
            AssertClose(b, rb);
            Interop.Record($"scripting_loops_{repeats}_{i}", archive, "forward", [inputs[i]], [a, b]);
        }

        var code = Code(scripted, "LoopsModule");
        Assert.Contains("for i in range(torch.size(x, 0)):", code.Replace("x.size(0)", "torch.size(x, 0)"));
        Assert.Contains("self.Scale(", code);
        Assert.Contains(useBias ? "self.bias" : "- 1.0", code);
    }

    [Theory]
    [InlineData("center")]
    [InlineData("shift")]
    public void StateModuleMatchesEager(string mode)
    {
        using var scope = NewDisposeScope();
        var module = new StateModule([0, 3], [2, 3], mode);
        module.to(float64);
        var scripted = Scripter.Script(module, new CompileContext());
        var x = torch.randn(3, 6, dtype: float64, generator: new Generator(3));
        var archive = TorchScriptArchive.Write(scripted);
        using var loaded = TorchScriptArchive.Load(archive);
        var expected = module.forward(x);
        var actual = (Tensor)loaded.forward(x);
        AssertClose(expected, actual);
        Interop.Record($"scripting_state_{mode}", archive, "forward", [x], [expected]);

        var code = Code(scripted, "StateModule");
        Assert.DoesNotContain("for ", code); // the loop over module arrays is unrolled
        Assert.Contains("self.weight", code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void MiscModuleMatchesEager(int offset)
    {
        using var scope = NewDisposeScope();
        var module = new MiscModule(offset);
        var scripted = Scripter.Script(module, new CompileContext());
        var archive = TorchScriptArchive.Write(scripted);
        using var loaded = TorchScriptArchive.Load(archive);
        var x = torch.randn(3, 5, generator: new Generator(4));
        var mask = x > 0.2;
        AssertClose(module.forward(x, null), (Tensor)loaded.forward(x, null));
        AssertClose(module.forward(x, mask), (Tensor)loaded.forward(x, mask));
        Interop.Record($"scripting_misc_{offset}", archive, "forward", [x, mask], [module.forward(x, mask)]);

        var e = Assert.ThrowsAny<Exception>(() => loaded.forward(torch.ones(3), null));
        Assert.Contains("MiscModule expects a matrix", e.Message);
        Assert.Throws<ArgumentException>(() => module.forward(torch.ones(3), null));
    }

    private static string Code(E3Sharp.Jit.Ir.ModuleInstance instance, string className) =>
        TorchScriptArchive.PrintCode(instance).Single(kv => kv.Value.Contains("class " + className)).Value;

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.allclose(actual, rtol: 1e-6, atol: 1e-7),
            $"expected [{string.Join(", ", expected.to(float64).data<double>().ToArray())}]\nactual [{string.Join(", ", actual.to(float64).data<double>().ToArray())}]");
    }
}
