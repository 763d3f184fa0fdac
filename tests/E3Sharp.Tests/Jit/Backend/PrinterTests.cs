using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>The TorchScript printer: literals, precedence, statements, the serialization dialect.</summary>
public class PrinterTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(1e20, "1e+20")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    [InlineData(double.NaN, "nan")]
    [InlineData(0.1, "0.1")]
    public void FloatLiterals(double value, string text) => Assert.Equal(text, TorchScriptPrinter.FloatText(value));

    [Fact]
    public void IntAndStringLiterals()
    {
        Assert.Equal("(-9223372036854775807 - 1)", TorchScriptPrinter.IntText(long.MinValue));
        Assert.Equal("\"a\\\"b\\\\c\\012d\\011é\"", TorchScriptPrinter.Quote("a\"b\\c\nd\té"));
    }

    [Fact]
    public void PrecedenceAddsOnlyNeededParentheses()
    {
        var a = Var("a");
        var b = Var("b");
        var c = Var("c");
        Assert.Equal("(a + b) * c", ((a + b) * c).ToString());
        Assert.Equal("a + b * c", (a + b * c).ToString());
        Assert.Equal("a - (b - c)", (a - (b - c)).ToString());
        Assert.Equal("a - b - c", (a - b - c).ToString());
        Assert.Equal("-(a + b)", (-(a + b)).ToString());
        Assert.Equal("(-a) ** 2", Pow(-a, 2).ToString());
        Assert.Equal("a ** -1", Pow(a, -1).ToString());
        Assert.Equal("(a < b) == (b < c)", Eq(a < b, b < c).ToString());
        Assert.Equal("not (a and b)", Not(And(a, b)).ToString());
        Assert.Equal("(a if b else c).relu()", Cond(b, a, c).Call("relu").ToString());
        Assert.Equal("(-1).abs()", ((Expr)(-1)).Call("abs").ToString());
        Assert.Equal("x[..., 1:, None, ::2]", Index(Var("x"), Ellipsis, Slice(1), None, Slice(null, null, 2)).ToString());
        Assert.Equal("(a,)", Tuple(a).ToString());
        Assert.Equal("annotate(List[Tensor], [])", ListOf(TsType.Tensor).ToString());
        Assert.Equal("torch.sum(x, [0], keepdim=True)", Torch("sum", [Var("x"), List(0)], Kw("keepdim", true)).ToString());
        Assert.Equal("self.a.b.forward(x)", Forward("a.b", Var("x")).ToString());
        Assert.Equal("x is not None", Var("x").IsNotNone().ToString());
        Assert.Equal("unchecked_cast(Tensor, g[0])", Cast(TsType.Tensor, Index(Var("g"), 0)).ToString());
    }

    [Fact]
    public void RaiseWithAComputedMessageNamesTheActualValue()
    {
        using var scope = NewDisposeScope();
        var m = new ModuleInstance("__torch__.test.Guarded");
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        var last = Method(Var("x"), "size", -1);
        f.If(Ne(last, 3), t => t.Raise(Str("expected 3 columns, got ") + Builtin("str", last) + Str(" (x ") + Builtin("str", 1.5) + Str(")")));
        f.Return(Var("x") * 2.0);
        m.AddMethod(f.Build());
        var text = new TorchScriptPrinter().PrintMethod(m.Class.Methods[0]);
        Assert.Contains("ops.prim.RaiseException(\"expected 3 columns, got \" + str(x.size(-1)) + \" (x \" + str(1.5) + \")\")\n", text);
        var bytes = TorchScriptArchive.Write(m);
        using var loaded = TorchScriptArchive.Load(bytes);
        var e = Assert.ThrowsAny<Exception>(() => loaded.forward(ones(2, 5)));
        Assert.Contains("expected 3 columns, got 5 (x 1.5)", e.Message);
        var x = ones(2, 3);
        var y = (Tensor)loaded.forward(x);
        Assert.Equal(2.0f, y[0, 0].item<float>());
        // PyTorch 1.13 compiles the same code when it loads the archive.
        Interop.Record("backend_raise_message", bytes, "forward", [x], [y]);
    }

    [Fact]
    public void StatementsUseTwoSpaceIndentation()
    {
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor).Param("n", TsType.Int, 2);
        f.ForRange("i", 1, Var("n"), 2, b => b.If(Eq(Var("i"), 3), t => t.Break(), e => e.Continue()));
        f.While(false, b => { });
        f.Raise("bad \"input\"");
        var text = new TorchScriptPrinter().PrintMethod(f.Build());
        Assert.Equal(
            "  def forward(self, x: Tensor, n: int=2) -> Tensor:\n" +
            "    for i in range(1, n, 2):\n" +
            "      if i == 3:\n" +
            "        break\n" +
            "      else:\n" +
            "        continue\n" +
            "    while False:\n" +
            "      pass\n" +
            "    ops.prim.RaiseException(\"bad \\\"input\\\"\")\n",
            text);
    }

    [Fact]
    public void LocalNamesFromCSharp()
    {
        Assert.Equal("lambda_", Names.ToLocalName("lambda"));
        Assert.Equal("in_", Names.ToLocalName("in"));
        Assert.Equal("torch_", Names.ToLocalName("torch"));
        Assert.Equal("_x", Names.ToLocalName("__x"));
        Assert.Equal("v_1a", Names.ToLocalName("1a"));
        Assert.Equal("a_b", Names.ToLocalName("a-b"));
        Assert.Null(Names.LocalNameProblem("acc"));
    }
}
