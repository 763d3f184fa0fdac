using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>The op table: schema parsing, overload resolution, and every overload compiling in LibTorch.</summary>
public class OpTableTests
{
    [Fact]
    public void SchemaParsingReadsAtenSyntax()
    {
        var s = OpSchema.Parse("sum.dim_IntList(Tensor self, int[1] dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor");
        Assert.Equal("sum", s.Name);
        Assert.Equal("dim_IntList", s.Overload);
        Assert.Equal(["self", "dim", "keepdim", "dtype"], s.Parameters.Select(p => p.Name).ToArray());
        Assert.True(s.Parameters[3].KeywordOnly);
        Assert.Equal("False", s.Parameters[2].Default);
        Assert.Equal(1, s.Parameters[1].Type.FixedSize);
        var g = OpSchema.Parse("autograd.grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? grad_outputs=None) -> Tensor?[]", OpVariants.Function);
        Assert.Equal("autograd.grad", g.Name);
        Assert.Equal("List[Optional[Tensor]]", g.Result.ToTsType(new Dictionary<string, TsType>()).Name);
        var m = OpSchema.Parse("max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)");
        Assert.Equal("Tuple[Tensor, Tensor]", m.Result.ToTsType(new Dictionary<string, TsType>()).Name);
        Assert.Equal("Operator schema 'bad(Foo x) -> Tensor': unknown type 'Foo'.",
            Assert.Throws<FormatException>(() => OpSchema.Parse("bad(Foo x) -> Tensor")).Message);
        Assert.Equal("Operator schema 'f(Tensor x) -> Tensor': a method variant needs a first parameter named 'self'.",
            Assert.Throws<FormatException>(() => OpSchema.Parse("f(Tensor x) -> Tensor")).Message);
    }

    [Fact]
    public void ResolutionPicksTheMatchingOverload()
    {
        var t = OpTable.Default;
        Assert.True(t.TryResolve("max", false, [TsType.Tensor, TsType.Int], [], out var s, out var r, out _));
        Assert.Equal("dim", s!.Overload);
        Assert.Equal("Tuple[Tensor, Tensor]", r!.Name);
        Assert.True(t.TryResolve("sum", true, [TsType.Tensor, TsType.Int], [("keepdim", TsType.Bool)], out s, out _, out _));
        Assert.Equal("dim_IntList", s!.Overload);
        Assert.True(t.TryResolve("append", true, [TsType.List(TsType.Int), TsType.Int], [], out _, out r, out _));
        Assert.Equal("List[int]", r!.Name);
        Assert.False(t.TryResolve("append", true, [TsType.List(TsType.Int), TsType.Float], [], out _, out _, out var why));
        Assert.Contains("argument 'el' expects t, got float", why);
        Assert.False(t.TryResolve("cat", true, [TsType.List(TsType.Tensor)], [], out _, out _, out why));
        Assert.Equal("'cat' cannot be called as a method; call torch.cat(...)", why);
        Assert.False(t.TryResolve("index", false, [TsType.Tensor, TsType.List(TsType.Tensor)], [], out _, out _, out why));
        Assert.Contains("argument 'indices' expects Tensor?[], got List[Tensor]", why);
    }

    [Fact]
    public void TableCoversTheRequiredOperators()
    {
        string[] required =
        [
            "add", "sub", "mul", "div", "neg", "pow", "matmul", "sum", "mean", "amax", "max", "min", "any", "all", "norm",
            "reshape", "view", "flatten", "unsqueeze", "squeeze", "transpose", "permute", "expand", "narrow", "select",
            "slice", "index_select", "index", "cat", "stack", "split", "split_with_sizes", "chunk", "contiguous", "size",
            "zeros", "ones", "zeros_like", "ones_like", "full", "arange", "relu", "sigmoid", "tanh", "silu", "gelu",
            "softplus", "exp", "log", "sqrt", "abs", "sin", "cos", "clamp", "where", "sign", "einsum", "mm", "bmm",
            "linear", "layer_norm", "embedding", "index_add", "scatter_add", "to", "dropout", "autograd.grad", "append",
        ];
        var missing = required.Where(n => !OpTable.Default.Contains(n)).ToList();
        Assert.Empty(missing);
        // The overloads only the tracer records are built in too (nothing registers ops at run time, so every test
        // and the interop check see the same table).
        Assert.Contains(BuiltinSchemas.MethodOnly, s => s.StartsWith("unflatten.int(", StringComparison.Ordinal));
        Assert.Contains(BuiltinSchemas.MethodOnly, s => s.StartsWith("movedim.intlist(", StringComparison.Ordinal));
        var extended = new OpTable().Register("erfinv(Tensor self) -> Tensor");
        Assert.True(extended.Contains("erfinv"));
        Assert.False(OpTable.Default.Contains("erfinv"));
    }

    private static TsType? ArgType(OpType t) => t.Kind switch
    {
        OpTypeKind.Tensor or OpTypeKind.TypeVar => TsType.Tensor,
        OpTypeKind.Int or OpTypeKind.ScalarType => TsType.Int,
        OpTypeKind.Float or OpTypeKind.Scalar => TsType.Float,
        OpTypeKind.Bool => TsType.Bool,
        OpTypeKind.Str => TsType.Str,
        OpTypeKind.List => ArgType(t.Element!) is { } e ? TsType.List(e) : null,
        OpTypeKind.Optional => ArgType(t.Element!) is { } e ? TsType.Optional(e) : null,
        _ => null,
    };

    /// <summary>A module with one method per overload of the table, each calling it with arguments of the schema's types.</summary>
    internal static ModuleInstance AllOverloads(OpTable table)
    {
        var m = new ModuleInstance("__torch__.optable.AllOps");
        var n = 0;
        foreach (var name in table.Names)
        {
            foreach (var o in table.Overloads(name))
            {
                var asMethod = (o.Variants & OpVariants.Function) == 0;
                var mb = new MethodBuilder($"op_{n++}", TsType.None);
                var args = new List<Expr>();
                var kws = new List<KeywordArg>();
                for (var i = 0; i < o.Parameters.Count; i++)
                {
                    var p = o.Parameters[i];
                    if (p.HasDefault)
                    {
                        continue;
                    }

                    var t = ArgType(p.Type) ?? throw new InvalidOperationException($"{o}: no value type for {p}");
                    if (p.Type.Kind == OpTypeKind.List && p.Type.Element!.Kind == OpTypeKind.TypeVar)
                    {
                        t = TsType.List(TsType.Tensor);
                    }

                    mb.Param($"p{i}", t);
                    if (p.KeywordOnly)
                    {
                        kws.Add(Kw(p.Name, Var($"p{i}")));
                    }
                    else
                    {
                        args.Add(Var($"p{i}"));
                    }
                }

                Expr call = asMethod
                    ? new MethodCallExpr(args[0], name, args.Skip(1).ToArray(), kws)
                    : new TorchCallExpr(name, args, kws);
                mb.Do(call);
                mb.Return(null);
                m.AddMethod(mb.Build());
            }
        }

        return m;
    }

    [Fact]
    public void EveryOverloadCompilesInLibTorch()
    {
        var root = AllOverloads(OpTable.Default);
        var bytes = TorchScriptArchive.Write(root);
        // Python checks the same archive (it compiles every method when loading).
        Interop.Record("backend_all_ops", bytes, null, [], []);
        using var module = TorchScriptArchive.Load(bytes);
        var count = OpTable.Default.Names.Sum(n => OpTable.Default.Overloads(n).Count);
        Assert.Equal(count, root.Class.Methods.Count);
        Assert.True(count > 150);
        using var scope = NewDisposeScope();
        // Run a few of them for real.
        var x = tensor(new float[] { 1, -2, 3 });
        var methods = root.Class.Methods;
        int IndexOf(string schemaStart)
        {
            var i = 0;
            foreach (var name in OpTable.Default.Names)
            {
                foreach (var o in OpTable.Default.Overloads(name))
                {
                    if (o.Text.StartsWith(schemaStart, StringComparison.Ordinal))
                    {
                        return i;
                    }

                    i++;
                }
            }

            throw new InvalidOperationException(schemaStart);
        }

        Assert.Null(module.invoke($"op_{IndexOf("relu(")}", x));
        Assert.Equal(methods.Count, count);
    }
}
