using E3Sharp.Jit.Ir;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>
/// A module tree covering the backend's features, built through the public IR, plus the same computation written
/// directly with TorchSharp ops (the independent reference).
/// </summary>
internal sealed class FeatureModules
{
    public FeatureModules(int seed = 1)
    {
        var g = new Generator((ulong)seed);
        W = randn(3, 3, generator: g);
        Offset = randn(3, generator: g);
        Bias = randn(3, generator: g);
        A = rand(3, generator: g) + 0.5f;
        B = randn(3, generator: g);
        C = randn(3, generator: g);
        D64 = tensor(new[] { 0.1, 0.25 }, dtype: float64);
        I64 = tensor(new[] { 1L << 40, -3L, 7L });
        Mask = tensor(new[] { true, false, true });
        ListTensor = randn(3, generator: g);
        TableTensor = randn(3, generator: g);
    }

    public Tensor W { get; }
    public Tensor Offset { get; }
    public Tensor Bias { get; }
    public Tensor A { get; }
    public Tensor B { get; }
    public Tensor C { get; }
    public Tensor D64 { get; }
    public Tensor I64 { get; }
    public Tensor Mask { get; }
    public Tensor ListTensor { get; }
    public Tensor TableTensor { get; }
    public long[] Dims { get; } = [1, 2];
    public double[] Scales { get; } = [0.5, 2.0];
    public const long NIter = 3;

    public static readonly string[] ParameterNames = ["w", "mid.a", "mid.leaf.b"];
    public static readonly string[] BufferNames = ["offset", "d64", "i64", "mask", "mid.leaf.c"];

    public ModuleInstance Build()
    {
        // Leaf: x * b + c  (parameter and buffer)
        var leaf = new ModuleInstance("__torch__.feat.deep.Leaf").AddParameter("b", B).AddBuffer("c", C);
        var lf = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        lf.Return(Var("x") * Self("b") + Self("c"));
        leaf.AddMethod(lf.Build());

        // Mid: leaf, then halve while the L1 norm exceeds 10 (data-dependent while)
        var mid = new ModuleInstance("__torch__.feat.Mid").AddParameter("a", A).AddSubmodule("leaf", leaf);
        var mf = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        mf.Assign("y", Forward("leaf", Var("x")) * Self("a"));
        mf.While(Torch("sum", Torch("abs", Var("y"))) > 10.0, b => b.Assign("y", Var("y") / 2.0));
        mf.Return(Var("y"));
        mid.AddMethod(mf.Build());

        var root = new ModuleInstance("__torch__.feat.Root")
            .AddParameter("w", W)
            .AddBuffer("offset", Offset)
            .AddBuffer("d64", D64)
            .AddBuffer("i64", I64)
            .AddBuffer("mask", Mask)
            .AddAttribute("dims", TsType.List(TsType.Int), Dims)
            .AddAttribute("scales", TsType.List(TsType.Float), Scales)
            .AddAttribute("maybe", TsType.Optional(TsType.Tensor), null)
            .AddAttribute("bias", TsType.Optional(TsType.Tensor), Bias)
            .AddAttribute("name", TsType.Str, "feature \"root\"\n")
            .AddAttribute("flag", TsType.Bool, true)
            .AddAttribute("tensors", TsType.List(TsType.Tensor), new[] { ListTensor })
            .AddAttribute("cfg", TsType.Tuple(TsType.Int, TsType.Float), (2, 0.25))
            .AddAttribute("table", TsType.Dict(TsType.Tensor), new Dictionary<string, Tensor> { ["t"] = TableTensor })
            .AddConstant("n_iter", TsType.Int, NIter)
            .AddSubmodule("mid", mid);

        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Tensor, TsType.Tensor)).Param("x", TsType.Tensor);
        f.Assign("h", Torch("matmul", Var("x"), Self("w")) + Self("offset"));
        f.Assign("m", Self("maybe"));
        f.If(Var("m").IsNotNone(), t => t.Assign("h", Var("h") + Var("m")));
        f.Assign("bb", Self("bias"));
        f.If(Var("bb").IsNotNone(), t => t.Assign("h", Var("h") + Var("bb")));
        f.ForIn("d", Self("dims"), b => b.Assign("h", Var("h") * Var("d")));
        f.Assign("acc", Torch("zeros_like", Var("h")));
        f.ForIn("row", Var("h"), b => b.AugAssign("acc", BinaryOp.Add, Var("row")));
        f.ForRange("i", Self("n_iter"), b =>
        {
            b.If(Eq(Var("i"), 1), t => t.Continue());
            b.AugAssign("acc", BinaryOp.Add, Index(Self("scales"), Var("i") % 2));
        });
        // data-dependent for: as many rounds as there are positive entries in x
        f.ForRange("j", Builtin("int", Torch("sum", Var("x") > 0.0)), b => b.AugAssign("acc", BinaryOp.Mul, 0.5));
        f.Assign("y", Forward("mid", Var("h")));
        f.If(Self("flag"), t => t.Assign("k", Torch("where", Self("mask"), Var("y"), -Var("y"))), e => e.Assign("k", Var("y")));
        f.Assign("cnt", 0);
        f.While(Var("cnt") < 5, b =>
        {
            b.AugAssign("cnt", BinaryOp.Add, 1);
            b.If(Builtin("bool", Torch("all", Var("k") > 100.0)), t => t.Break());
            b.AugAssign("k", BinaryOp.Add, 1.0);
        });
        f.Assign("t", Index(Self("tensors"), 0) + Index(Self("table"), Str("t")));
        f.Assign("s", Self("d64") * Index(Self("cfg"), 1) + Builtin("len", Self("name")));
        f.Assign("iv", Self("i64") + Index(Self("cfg"), 0));
        f.ReturnTuple(Var("k") + Var("acc") + Var("t"), Var("s"), Var("iv"));
        root.AddMethod(f.Build());
        return root;
    }

    /// <summary>The same computation with TorchSharp ops.</summary>
    public (Tensor, Tensor, Tensor) Reference(Tensor x)
    {
        var h = x.matmul(W) + Offset;
        h = h + Bias;
        foreach (var d in Dims)
        {
            h = h * d;
        }

        var acc = zeros_like(h);
        for (var r = 0; r < h.shape[0]; r++)
        {
            acc = acc + h[r];
        }

        for (var i = 0; i < NIter; i++)
        {
            if (i == 1)
            {
                continue;
            }

            acc = acc + Scales[i % 2];
        }

        var positives = (long)(x > 0.0).sum().item<long>();
        for (var j = 0; j < positives; j++)
        {
            acc = acc * 0.5;
        }

        var y = (h * B + C) * A;
        while ((y.abs().sum() > 10.0).item<bool>())
        {
            y = y / 2.0;
        }

        var k = where(Mask, y, -y);
        for (var cnt = 0; cnt < 5; cnt++)
        {
            if ((k > 100.0).all().item<bool>())
            {
                break;
            }

            k = k + 1.0;
        }

        var t = ListTensor + TableTensor;
        var s = D64 * 0.25 + "feature \"root\"\n".Length;
        var iv = I64 + 2;
        return (k + acc + t, s, iv);
    }
}
