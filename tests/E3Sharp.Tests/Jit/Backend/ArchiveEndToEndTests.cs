using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>Modules built through the public IR, loaded in TorchSharp, checked against the same computation in TorchSharp ops.</summary>
public class ArchiveEndToEndTests
{
    private static ModuleInstance DocsExample(Tensor weight, Tensor scale, long k)
    {
        var child = new ModuleInstance("__torch__.demo.Child").AddParameter("scale", scale);
        var cf = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        cf.Return(Var("x") * Self("scale"));
        child.AddMethod(cf.Build());

        var root = new ModuleInstance("__torch__.demo.Net")
            .AddParameter("weight", weight)
            .AddAttribute("k", TsType.Int, k)
            .AddSubmodule("child", child);
        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Int)).Param("x", TsType.Tensor);
        f.Assign("y", Torch("matmul", Var("x"), Self("weight")));
        f.If(Torch("any", Var("y") > 7.0),
            then => then.Assign("y", Forward("child", Var("y"))),
            orElse => orElse.ForRange("i", Self("k"), body => body.AugAssign("y", BinaryOp.Add, 1.0)));
        f.ReturnTuple(Var("y"), Self("k"));
        root.AddMethod(f.Build());
        return root;
    }

    private static Tensor DocsExampleReference(Tensor x, Tensor weight, Tensor scale, long k)
    {
        var y = x.matmul(weight);
        if (y.gt(7.0).any().item<bool>())
        {
            return y * scale;
        }

        for (var i = 0; i < k; i++)
        {
            y = y + 1.0;
        }

        return y;
    }

    [Fact]
    public void DocsExampleLoadsAndMatchesTorchSharpOnBothBranches()
    {
        using var scope = NewDisposeScope();
        var weight = eye(3);
        var scale = full(3, 2.0f);
        var root = DocsExample(weight, scale, 2);
        var archive = TorchScriptArchive.Write(root);
        using var module = TorchScriptArchive.Load(archive);
        foreach (var x in new[] { tensor(new float[,] { { 1, 2, 3 } }), tensor(new float[,] { { 1, 9, 3 } }) })
        {
            var (yo, ko) = ((object, object))module.forward(x);
            var y = (Tensor)yo;
            var k = (Scalar)ko;
            var expected = DocsExampleReference(x, weight, scale, 2);
            Assert.Equal(expected.data<float>().ToArray(), y.data<float>().ToArray());
            Assert.Equal(2, k.ToInt64());
        }

        var x0 = tensor(new float[,] { { 1, 9, 3 }, { 0.5f, 0.25f, 2 } });
        Interop.Record("backend_docs_example", archive, "forward", [x0], Interop.Flatten(module.forward(x0)));
        var code = TorchScriptArchive.PrintCode(root);
        Assert.Contains("    if torch.any(y > 7.0):\n      y = self.child.forward(y)\n", code["code/__torch__/demo.py"]);
    }

    [Fact]
    public void DtypeCodesConvertAndCreateTensors()
    {
        using var scope = NewDisposeScope();
        var m = new ModuleInstance("__torch__.dtypes.Net");
        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Tensor, TsType.Tensor)).Param("x", TsType.Tensor);
        f.Assign("d", Var("x").Call("to", 7));
        f.Assign("i", Torch("zeros", [List(2)], Kw("dtype", 4)) + Torch("arange", [2], Kw("dtype", 4)));
        f.Assign("b", Torch("to", Var("x") > 0.5, 11));
        f.ReturnTuple(Var("d") * 2, Var("i"), Var("b"));
        m.AddMethod(f.Build());
        var bytes = TorchScriptArchive.Write(m);
        using var module = TorchScriptArchive.Load(bytes);
        var x = tensor(new[] { 0.25f, 1.5f });
        var got = Interop.Flatten(module.forward(x));
        Assert.Equal(ScalarType.Float64, got[0].dtype);
        Assert.Equal(new[] { 0.5, 3.0 }, got[0].data<double>().ToArray());
        Assert.Equal(ScalarType.Int64, got[1].dtype);
        Assert.Equal(new[] { 0L, 1L }, got[1].data<long>().ToArray());
        Assert.Equal(ScalarType.Bool, got[2].dtype);
        Assert.Equal(new[] { false, true }, got[2].data<bool>().ToArray());
        Interop.Record("backend_dtypes", bytes, "forward", [x], got);
    }
}
