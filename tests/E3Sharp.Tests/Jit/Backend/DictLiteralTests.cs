using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>
/// Dict literals (<see cref="DictExpr"/>): printed as <c>annotate(Dict[K, V], {...})</c>, loaded by LibTorch 2.10 and
/// (interop record) PyTorch 1.13, indexed by key, passed to and returned from methods; invalid ones are rejected.
/// </summary>
public class DictLiteralTests
{
    private static ModuleInstance DictModule()
    {
        var m = new ModuleInstance("__torch__.dicts.Net").AddParameter("w", tensor(new[] { 1.0, 2.0, 3.0 }));
        // pack(x) -> Dict[str, Tensor]; forward(x) reads it back by key; an empty typed dict is counted with len.
        var pack = new MethodBuilder("pack", TsType.Dict(TsType.Tensor)).Param("x", TsType.Tensor);
        pack.Return(DictOf(TsType.Tensor, ("scaled", Var("x") * Self("w")), ("shifted", Var("x") + 1.0)));
        m.AddMethod(pack.Build());
        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Int)).Param("x", TsType.Tensor);
        f.Assign("d", SelfCall("pack", Var("x")));
        f.Assign("empty", DictOf(TsType.Int));
        f.ReturnTuple(Index(Var("d"), Str("scaled")) - Index(Var("d"), Str("shifted")),
            Builtin("len", Var("d")) + Builtin("len", Var("empty")));
        m.AddMethod(f.Build());
        return m;
    }

    [Fact]
    public void DictLiteralIsPrintedLoadedAndIndexed()
    {
        using var scope = NewDisposeScope();
        var m = DictModule();
        var code = TorchScriptArchive.PrintCode(m)["code/__torch__/dicts.py"];
        Assert.Contains("return annotate(Dict[str, Tensor], {\"scaled\": x * self.w, \"shifted\": x + 1.0})", code);
        Assert.Contains("empty = annotate(Dict[str, int], {})", code);
        var bytes = TorchScriptArchive.Write(m);
        using var module = TorchScriptArchive.Load(bytes);
        var x = tensor(new[] { 0.5, -1.0, 2.0 });
        var result = Interop.Flatten(module.forward(x));
        var expected = x * tensor(new[] { 1.0, 2.0, 3.0 }) - (x + 1.0);
        Assert.True(expected.allclose(result[0], rtol: 0, atol: 1e-15));
        Assert.Equal(2L, result[1].item<long>());
        Interop.Record("backend_dict_literal", bytes, "forward", [x], result);
    }

    [Fact]
    public void DictLiteralWithAWrongValueTypeIsRejected()
    {
        var m = new ModuleInstance("__torch__.bad.Net");
        var f = new MethodBuilder("forward", TsType.Dict(TsType.Tensor)).Param("x", TsType.Tensor);
        f.Return(DictOf(TsType.Tensor, ("a", Var("x")), ("b", Int(1))));
        m.AddMethod(f.Build());
        var e = Assert.Throws<TorchScriptValidationException>(() => TorchScriptArchive.Write(m));
        Assert.Contains("the dict value for key 1 is a int, not a Tensor", e.Message);
    }

    [Fact]
    public void DictLiteralWithMismatchedKeysAndValuesIsRejected()
    {
        var m = new ModuleInstance("__torch__.bad.Net");
        var f = new MethodBuilder("forward", TsType.Dict(TsType.Tensor)).Param("x", TsType.Tensor);
        f.Return(new DictExpr([Str("a"), Str("b")], [Var("x")], TsType.Str, TsType.Tensor));
        m.AddMethod(f.Build());
        var e = Assert.Throws<TorchScriptValidationException>(() => TorchScriptArchive.Write(m));
        Assert.Contains("a dict literal has 2 keys but 1 values", e.Message);
    }
}
