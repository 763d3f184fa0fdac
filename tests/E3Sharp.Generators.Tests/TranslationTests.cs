namespace E3Sharp.Generators.Tests;

/// <summary>Supported constructs translate without diagnostics into code that compiles, with the expected IR calls.</summary>
public class TranslationTests
{
    private static string Generate(string body, string members = "", string signature = "public override Tensor forward(Tensor x)",
        string baseType = "nn.Module<Tensor, Tensor>")
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Module(body, members, signature, baseType));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        return Assert.Single(result.Generated).Source;
    }

    [Fact]
    public void LoopsAndBranches()
    {
        var code = Generate("""
        var y = x;
        for (int i = 10; i >= 0; i -= 2) { y = y + i; }
        for (long j = 1; j <= x.size(0); j++) { if (j == 2) continue; y = y * 2.0; }
        var k = 0;
        while (true) { k += 1; if (k > 3) break; }
        var z = torch.any(y > 1.0).item<bool>() ? y : -y;
        return torch.where(~(z > 0.0) | (z < 1.0), z, x);
""");
        Assert.Contains("ForRange(\"i\", __ir.Int(10L), __ir.Binary(__Ir.BinaryOp.Sub, __ir.Int(0L), __ir.Int(1)), __ir.Int(-2)", code);
        Assert.Contains("ForRange(\"j\", __ir.Int(1L), __ir.Binary(__Ir.BinaryOp.Add, __ir.Method(__ir.Var(\"x\"), \"size\", __ir.Int(0L)), __ir.Int(1))", code);
        Assert.Contains(".Continue();", code);
        Assert.Contains(".Break();", code);
        Assert.Contains(".While(__ir.Bool(true),", code);
        Assert.Contains("__ir.Cond(__ir.Builtin(\"bool\"", code);
        Assert.Contains("new __Ir.UnaryExpr(__Ir.UnaryOp.BitNot", code);
    }

    [Fact]
    public void OptionalsTuplesIndexingAndHelpers()
    {
        var code = Generate("""
        Tensor? best = null;
        if (bias is not null) { best = x + bias; }
        var (a, b) = Pair(x);
        var t = (a, b);
        var first = t.Item1[TensorIndex.Ellipsis, TensorIndex.None, 1..^1];
        if (best is null) { return first + Twice(b); }
        return best;
""", members: """
    private readonly Tensor? bias = null;
    private (Tensor, Tensor) Pair(Tensor v) => (v, v * 2.0);
    private static Tensor Twice(Tensor v, double f = 2.0) => v * f;
""");
        Assert.Contains("Declare(\"best\", __Ir.TsType.Optional(__Ir.TsType.Tensor), __ir.None)", code);
        Assert.Contains("if (bias is not null)", code); // decided when the module is scripted
        Assert.Contains("Unpack(new string[] { \"a\", \"b\" }, __ir.SelfCall(\"Pair\", __ir.Var(\"x\")))", code);
        Assert.Contains("__ir.Index(__ir.Index(__ir.Var(\"t\"), __ir.Int(0)), __ir.Ellipsis, __ir.None, __ir.Slice(__ir.Int(1L), __ir.Int(-1)))", code);
        Assert.Contains("(__ir.Var(\"best\")).IsNone()", code);
        Assert.Contains("__ir.SelfCall(\"Twice\", __ir.Var(\"b\"), __ir.Float(2.0))", code);
        Assert.Contains(".Param(\"f\", __Ir.TsType.Float, __ir.Float(2.0))", code);
    }

    [Fact]
    public void ModuleStateIsEvaluatedWhenScripted()
    {
        var code = Generate("""
        var y = x * scale + size;
        foreach (var s in sizes) { y = y.narrow(-1, 0, s + 1); }
        var width = sizes.Length > 1 ? 2 : 3;
        return y.reshape(-1, width) * Math.PI + weight + (training ? 1.0 : 0.0);
""");
        Assert.Contains("__b.Attribute((double)(this.scale), \"scale\")", code);
        Assert.Contains("__b.Attribute((long)(this.size), \"size\")", code);
        Assert.Contains("foreach (var s in sizes)", code);
        Assert.Contains("__Sc.ScriptBinder.Constant((long)(s + 1))", code);
        Assert.Contains("int width = sizes.Length > 1 ? 2 : 3;", code);
        Assert.Contains("__ir.Float(3.141592653589793)", code);
        Assert.Contains("__b.Tensor(weight, \"weight\")", code);
        Assert.Contains("__ir.Cond(__ir.Self(\"training\"), __ir.Float(1.0), __ir.Float(0.0))", code);
    }

    [Fact]
    public void HeldScalarsStandForTheirNumbers()
    {
        // 'using var s = v.ToScalar()' keeps TorchSharp's Scalar alive in eager code; the script takes v itself.
        var code = Generate("""
        using var half = (scale * 2).ToScalar();
        using var scaled = scale.ToScalar();
        x = x.mul(scaled);
        using var two = 2.0.ToScalar();
        using var zero = 0.ToScalar(); using var one = 1.ToScalar();
        using var n = x.size(0).ToScalar();
        var idx = torch.arange(zero, n, one, dtype: ScalarType.Int64);
        using (var three = 3.0.ToScalar())
        {
            x = x * three;
        }
        return (x.div(half) * two).index_add(0, idx, x, one) + idx + Halve(x);
""", members: """
    private Tensor Halve(Tensor v) { using var two = 2.0.ToScalar(); return v.div(two); }
""");
        // Fresh C# names: every method's builder code shares one scope of the generated method.
        Assert.Contains("double __half1 = scale * 2;", code);
        Assert.Contains("double __two3 = 2.0;", code);
        Assert.Contains("int __one5 = 1;", code);
        Assert.Contains("__ir.Method(__ir.Var(\"x\"), \"mul\", __b.Attribute((double)(this.scale), \"scale\"))", code);
        Assert.Contains("__ir.Method(__ir.Var(\"x\"), \"div\", __Sc.ScriptBinder.Constant((double)(__half1)))", code);
        Assert.Contains("__Sc.ScriptBinder.Constant((double)(__two3))", code);
        Assert.Contains("__Sc.ScriptBinder.Constant((double)(__three6))", code);
        Assert.Contains(".Assign(\"n\", __ir.Method(__ir.Var(\"x\"), \"size\", __ir.Int(0L)));", code);
        Assert.Contains("__ir.Torch(\"arange\", new __Ir.Expr[] { __Sc.ScriptBinder.Constant((long)(__zero4)), __ir.Var(\"n\"), __Sc.ScriptBinder.Constant((long)(__one5)) }", code);
        Assert.Contains("__ir.Kw(\"alpha\", __Sc.ScriptBinder.Constant((long)(__one5)))", code);
        Assert.DoesNotContain("ToScalar", code);
        Assert.DoesNotContain("Scalar ", code);
    }

    [Fact]
    public void SubmodulesListsAndRaise()
    {
        var code = Generate("""
        using var scope = torch.NewDisposeScope();
        if (x.shape.Length == 0) throw new ArgumentException("needs a dimension");
        var outs = new List<Tensor>();
        outs.Add(child.call(x));
        outs.Add(this.child.forward(x).sigmoid());
        foreach (var o in outs) { x = x + o; }
        return torch.stack(outs.ToArray(), 0).sum(0).MoveToOuterDisposeScope() + outs.Count;
""");
        Assert.Contains(".Raise(\"needs a dimension\")", code);
        Assert.Contains("__b.Call(child, \"child\", \"forward\", __ir.Var(\"x\"))", code);
        Assert.Contains("__b.Call(this.child, \"child\", \"forward\", __ir.Var(\"x\"))", code);
        Assert.Contains("ForIn(\"o\", __ir.Var(\"outs\")", code);
        Assert.Contains("__ir.Builtin(\"len\", __ir.Var(\"outs\"))", code);
        Assert.DoesNotContain("NewDisposeScope", code);
    }

    [Fact]
    public void ExportedMethodsOfSubmodulesAreCalledByTheirTorchScriptName()
    {
        var code = Generate("""
        return pairs.PairSum(x, x) + pairs.Scale(x);
""", members: """
    public sealed class Pairs : nn.Module<Tensor, Tensor>
    {
        public Pairs() : base("Pairs") { }
        public override Tensor forward(Tensor x) => x;
        [E3Sharp.Jit.Scripting.Export(Name = "pair_sum")]
        public Tensor PairSum(Tensor a, Tensor b) => a + b;
        [E3Sharp.Jit.Scripting.Export]
        public Tensor Scale(Tensor a) => a * 2.0;
    }
    private readonly Pairs pairs = new();
""");
        Assert.Contains("__b.Call(pairs, \"pairs\", \"pair_sum\", __ir.Var(\"x\"), __ir.Var(\"x\"))", code);
        Assert.Contains("__b.Call(pairs, \"pairs\", \"Scale\", __ir.Var(\"x\"))", code);
    }

    [Fact]
    public void PythonKeywordsAndReservedNamesAreRenamed()
    {
        var code = Generate("""
        var @in = x;
        var sum = @in * 2.0;
        var len = sum;
        return len;
""");
        Assert.Contains("Assign(\"in_\", __ir.Var(\"x\"))", code);
        Assert.Contains("Assign(\"sum_\"", code);
        Assert.Contains("Assign(\"len_\", __ir.Var(\"sum_\"))", code);
    }
}
