using E3Sharp.Jit;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using E3Sharp.Tests.Jit.Scripting.Modules;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting;

/// <summary>Helpers for the scripting end-to-end tests.</summary>
internal static class ScriptTestUtil
{
    /// <summary>Registers a hand-written IR for a <see cref="RowNorm"/> child (as a traced child would be).</summary>
    public static ModuleInstance RegisterRowNorm(CompileContext context, RowNorm child)
    {
        var instance = new ModuleInstance(context.NewClassName(typeof(RowNorm)));
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        f.Return(Method(Method(Method(Var("x"), "pow", Int(2)), "sum", List(Int(-1)), Bool(true)), "sqrt"));
        instance.AddMethod(f.Build());
        context.SetCompiled(child, instance, CompiledHow.Traced);
        return instance;
    }

    /// <summary>Writes the archive, loads it in TorchSharp and checks it against eager on every input (exact shapes, 1e-6).</summary>
    public static byte[] AssertScriptedMatchesEager(nn.Module<Tensor, Tensor> eager, ModuleInstance scripted, string interopName,
        params Tensor[] inputs)
    {
        var archive = TorchScriptArchive.Write(scripted);
        using var loaded = TorchScriptArchive.Load(archive);
        var outputs = new List<Tensor>();
        foreach (var x in inputs)
        {
            var expected = eager.forward(x);
            var actual = (Tensor)loaded.forward(x);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.allclose(actual, rtol: 1e-6, atol: 1e-6),
                $"scripted {interopName} differs from eager on input [{string.Join(", ", x.to(float64).data<double>().ToArray())}]");
            outputs.Add(actual);
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            Interop.Record($"{interopName}_{i}", archive, "forward", [inputs[i]], [outputs[i]]);
        }

        return archive;
    }
}
