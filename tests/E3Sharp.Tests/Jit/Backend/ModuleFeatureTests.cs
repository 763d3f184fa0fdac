using System.IO.Compression;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>The acceptance features: nested submodules, dtypes, parameters vs buffers, containers, control flow, tuples.</summary>
public class ModuleFeatureTests
{
    private static Tensor[] Run(jit.ScriptModule m, params object[] inputs) => Interop.Flatten(m.forward(inputs));

    private static void AssertSame(Tensor expected, Tensor actual, double tol)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        if (expected.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            Assert.True(allclose(actual, expected, rtol: tol, atol: tol), $"expected {expected.ToString(TorchSharp.TensorStringStyle.Julia)} got {actual.ToString(TorchSharp.TensorStringStyle.Julia)}");
        }
        else
        {
            Assert.True(actual.eq(expected).all().item<bool>(), $"expected {expected.ToString(TorchSharp.TensorStringStyle.Julia)} got {actual.ToString(TorchSharp.TensorStringStyle.Julia)}");
        }
    }

    [Fact]
    public void FeatureTreeMatchesTorchSharpReference()
    {
        using var scope = NewDisposeScope();
        var f = new FeatureModules();
        var archive = TorchScriptArchive.Write(f.Build());
        using var module = TorchScriptArchive.Load(archive);
        var inputs = new[]
        {
            tensor(new float[,] { { 1, -2, 3 }, { -4, 5, -6 } }),
            tensor(new float[,] { { 50, 60, 70 } }),
            randn(4, 3, generator: new Generator(7)),
        };
        foreach (var x in inputs)
        {
            var got = Run(module, x);
            var (e0, e1, e2) = f.Reference(x);
            Assert.Equal(3, got.Length);
            AssertSame(e0, got[0], 1e-5);
            AssertSame(e1, got[1], 1e-12);
            AssertSame(e2, got[2], 0);
        }

        Interop.Record("backend_features", archive, "forward", [inputs[0]], Run(module, inputs[0]),
            FeatureModules.ParameterNames, FeatureModules.BufferNames);
    }

    [Fact]
    public void NamedParametersAndBuffersSeeTheTree()
    {
        using var scope = NewDisposeScope();
        var f = new FeatureModules();
        using var module = TorchScriptArchive.ToScriptModule(f.Build());
        Assert.Equal(FeatureModules.ParameterNames, module.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(FeatureModules.BufferNames, module.named_buffers().Select(p => p.name).ToArray());
        Assert.Equal(["mid", "mid.leaf"], module.named_modules().Select(p => p.name).Where(n => n.Length > 0).ToArray());
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        AssertSame(f.W, parameters["w"], 0);
        AssertSame(f.B, parameters["mid.leaf.b"], 0);
        Assert.True(parameters["mid.a"].requires_grad == f.A.requires_grad);
        var buffers = module.named_buffers().ToDictionary(p => p.name, p => p.buffer);
        AssertSame(f.I64, buffers["i64"], 0);
        AssertSame(f.Mask, buffers["mask"], 0);
        AssertSame(f.D64, buffers["d64"], 0);
    }

    [Fact]
    public void SaveLoadRoundTripKeepsBehaviourAndNames()
    {
        using var scope = NewDisposeScope();
        var f = new FeatureModules(seed: 3);
        using var first = TorchScriptArchive.ToScriptModule(f.Build());
        var resaved = TorchScriptArchive.SaveToBytes(first);
        using var second = TorchScriptArchive.Load(resaved);
        var x = randn(5, 3, generator: new Generator(11));
        var a = Run(first, x);
        var b = Run(second, x);
        for (var i = 0; i < a.Length; i++)
        {
            AssertSame(a[i], b[i], 0);
        }

        Assert.Equal(FeatureModules.ParameterNames, second.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(FeatureModules.BufferNames, second.named_buffers().Select(p => p.name).ToArray());
    }

    [Fact]
    public void WritingIsDeterministic()
    {
        using var scope = NewDisposeScope();
        var root = new FeatureModules(seed: 5).Build();
        var a = TorchScriptArchive.Write(root);
        var b = TorchScriptArchive.Write(root);
        var c = TorchScriptArchive.Write(new FeatureModules(seed: 5).Build());
        Assert.Equal(a, b);
        Assert.Equal(a, c);
        var d = TorchScriptArchive.Write(new FeatureModules(seed: 6).Build());
        Assert.NotEqual(a, d);
    }

    [Fact]
    public void ArchiveLayoutFollowsLibTorch()
    {
        using var scope = NewDisposeScope();
        var bytes = TorchScriptArchive.Write(new FeatureModules().Build(), new TorchScriptArchiveOptions
        {
            ExtraFiles = new Dictionary<string, byte[]> { ["meta.json"] = "{\"a\": 1}"u8.ToArray() },
        });
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.All(names, n => Assert.StartsWith("archive/", n));
        Assert.Equal("archive/data.pkl", names[0]);
        Assert.Contains("archive/code/__torch__/feat.py", names);
        Assert.Contains("archive/code/__torch__/feat/deep.py", names);
        Assert.Contains("archive/constants.pkl", names);
        // 11 tensors, all with their own storage
        Assert.Equal(11, names.Count(n => n.StartsWith("archive/data/", StringComparison.Ordinal)));
        string Read(string n)
        {
            using var s = zip.GetEntry(n)!.Open();
            return new StreamReader(s).ReadToEnd();
        }

        Assert.Equal("10\n", Read("archive/version"));
        Assert.Equal("little", Read("archive/byteorder"));
        Assert.Equal("{\"a\": 1}", Read("archive/extra/meta.json"));
        using (var ms = new MemoryStream())
        {
            zip.GetEntry("archive/constants.pkl")!.Open().CopyTo(ms);
            Assert.Equal(new byte[] { 0x80, 0x02, 0x29, 0x2E }, ms.ToArray());
        }

        var code = Read("archive/code/__torch__/feat.py");
        Assert.Contains("class Root(Module):\n  __parameters__ = [\"w\", ]\n  __buffers__ = [\"offset\", \"d64\", \"i64\", \"mask\", ]\n  training : bool\n", code);
        Assert.Contains("  n_iter : Final[int] = 3\n", code);
        Assert.Contains("  mid : __torch__.feat.Mid\n", code);
        Assert.Contains("    y = self.mid.forward(h)\n", code);

        // Every record is STORED and its data starts on a 64-byte boundary (local header + name + extra).
        foreach (var e in zip.Entries)
        {
            var offset = LocalHeaderOffset(bytes, e.FullName);
            Assert.Equal(0, BitConverter.ToUInt16(bytes, offset + 8)); // method: STORED
            var nameLen = BitConverter.ToUInt16(bytes, offset + 26);
            var extraLen = BitConverter.ToUInt16(bytes, offset + 28);
            Assert.Equal(0, (offset + 30 + nameLen + extraLen) % 64);
            Assert.Equal(e.Length, e.CompressedLength);
        }
    }

    private static int LocalHeaderOffset(byte[] zip, string name)
    {
        var nameBytes = System.Text.Encoding.UTF8.GetBytes(name);
        for (var i = 0; i + 30 < zip.Length; i++)
        {
            if (zip[i] == 0x50 && zip[i + 1] == 0x4b && zip[i + 2] == 3 && zip[i + 3] == 4 &&
                BitConverter.ToUInt16(zip, i + 26) == nameBytes.Length &&
                zip.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"no local header for {name}");
    }

    [Fact]
    public void TiedTensorsShareOneStorage()
    {
        using var scope = NewDisposeScope();
        var w = arange(6, dtype: float32).reshape(2, 3);
        var view = w[1]; // a view into w's storage (offset 3)
        var m = new ModuleInstance("__torch__.tied.Net")
            .AddParameter("w", w)
            .AddBuffer("w_alias", w)
            .AddBuffer("row", view);
        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Tensor)).Param("x", TsType.Tensor);
        f.ReturnTuple(Var("x") * Self("w_alias"), Var("x") * Self("row"));
        m.AddMethod(f.Build());
        var bytes = TorchScriptArchive.Write(m);
        using (var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read))
        {
            Assert.Single(zip.Entries, e => e.FullName.StartsWith("archive/data/", StringComparison.Ordinal));
        }

        using var module = TorchScriptArchive.Load(bytes);
        var x = ones(3);
        var before = Run(module, x);
        AssertSame(w, before[0], 0);
        AssertSame(view, before[1], 0);
        // In-place change of the parameter must show through the alias and the view: one storage after loading too.
        using (no_grad())
        {
            module.named_parameters().Single(p => p.name == "w").parameter.add_(10);
        }

        var after = Run(module, x);
        AssertSame(w + 10, after[0], 0);
        AssertSame(view + 10, after[1], 0);
        Assert.Equal(["w_alias", "row"], module.named_buffers().Select(b => b.name).ToArray());
    }

    [Fact]
    public void TensorConstantsAndClassConstants()
    {
        using var scope = NewDisposeScope();
        var c0 = tensor(new[] { 1.5, -2.0 }, dtype: float64);
        var c1 = tensor(new[] { 3L, 4L });
        var m = new ModuleInstance("__torch__.consts.Net")
            .AddConstant("alpha", TsType.Float, 0.5)
            .AddConstant("label", TsType.Str, "a\\b")
            .AddConstant("shape", TsType.Tuple(TsType.Int, TsType.Int), (1, 2))
            .AddConstant("nothing", TsType.Optional(TsType.Int), null)
            .AddConstant("on", TsType.Bool, true);
        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Tensor)).Param("x", TsType.Tensor);
        f.Assign("y", Var("x") * Constant(c0) + Constant(c0) * Self("alpha"));
        f.If(And(Self("on"), Self("nothing").IsNone()), t => t.Assign("y", Var("y") + Index(Self("shape"), 1) + Builtin("len", Self("label"))));
        f.ReturnTuple(Var("y"), Constant(c1) * 2);
        m.AddMethod(f.Build());
        var bytes = TorchScriptArchive.Write(m);
        using (var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read))
        {
            Assert.Equal(2, zip.Entries.Count(e => e.FullName.StartsWith("archive/constants/", StringComparison.Ordinal)));
        }

        Assert.Contains("    y = x * CONSTANTS.c0 + CONSTANTS.c0 * 0.5\n    if True and None is None:\n      y = y + (1, 2)[1] + len(\"a\\\\b\")\n", TorchScriptArchive.PrintCode(m)["code/__torch__/consts.py"]);
        using var module = TorchScriptArchive.Load(bytes);
        var x = tensor(new[] { 2.0, 3.0 }, dtype: float64);
        var got = Run(module, x);
        AssertSame(x * c0 + c0 * 0.5 + 2 + 3, got[0], 1e-12);
        AssertSame(c1 * 2, got[1], 0);
        Interop.Record("backend_constants", bytes, "forward", [x], got);
    }

    [Fact]
    public void AutogradGradGivesForces()
    {
        using var scope = NewDisposeScope();
        var k = tensor(new[] { 1.0f, 2.0f, 3.0f });
        var m = new ModuleInstance("__torch__.forces.Net").AddParameter("k", k);
        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Tensor)).Param("pos", TsType.Tensor);
        f.Assign("e", Torch("sum", Var("pos") * Var("pos") * Self("k")));
        f.Assign("go", ListOf(TsType.Optional(TsType.Tensor), Torch("ones_like", Var("e"))));
        f.Assign("g", Torch("autograd.grad", [List(Var("e")), List(Var("pos")), Var("go")], Kw("create_graph", true)));
        f.Assign("forces", -Cast(TsType.Tensor, Index(Var("g"), 0)));
        f.ReturnTuple(Var("e"), Var("forces"));
        m.AddMethod(f.Build());
        var bytes = TorchScriptArchive.Write(m);
        Assert.Contains("g = torch.autograd.grad([e], [pos], go, create_graph=True)", TorchScriptArchive.PrintCode(m)["code/__torch__/forces.py"]);
        using var module = TorchScriptArchive.Load(bytes);
        var pos = tensor(new float[,] { { 1, 2, 3 }, { -1, 0.5f, 2 } }).requires_grad_(true);
        var got = Run(module, pos);
        AssertSame((pos * pos * k).sum().detach(), got[0].detach(), 1e-6);
        AssertSame((-2 * pos * k).detach(), got[1].detach(), 1e-6);
        Interop.Record("backend_autograd", bytes, "forward", [pos], [got[0].detach(), got[1].detach()]);
    }

    [Fact]
    public void HelperMethodsTuplesListsAndSubscripts()
    {
        using var scope = NewDisposeScope();
        var m = new ModuleInstance("__torch__.misc.Net").AddAttribute("sizes", TsType.List(TsType.Int), new[] { 1, 2 });
        var helper = new MethodBuilder("split_scale", TsType.Tuple(TsType.Tensor, TsType.Tensor))
            .Param("x", TsType.Tensor).Param("factor", TsType.Float, 2.0);
        helper.Assign("parts", Torch("split_with_sizes", Var("x"), Self("sizes"), -1));
        helper.ReturnTuple(Index(Var("parts"), 0) * Var("factor"), Index(Var("parts"), 1));
        m.AddMethod(helper.Build());
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        f.Unpack(["a", "b"], SelfCall("split_scale", Var("x")));
        f.Declare("outs", TsType.List(TsType.Tensor), ListOf(TsType.Tensor));
        f.Do(Var("outs").Call("append", Var("a")));
        f.Do(Var("outs").Call("append", Index(Var("b"), Ellipsis, Slice(null, 1))));
        f.Assign("n", Builtin("len", Var("outs")));
        f.Assign("z", Torch("cat", Var("outs"), -1));
        f.Return(Cond(Var("n") > 1, Var("z") * Var("n"), Var("z")).Call("reshape", List(-1)));
        m.AddMethod(f.Build());
        using var module = TorchScriptArchive.ToScriptModule(m);
        var x = tensor(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var got = Run(module, x)[0];
        var expected = cat([x[.., ..1] * 2.0, x[.., 1..3][.., ..1]], -1) * 2;
        AssertSame(expected.reshape(-1), got, 0);
    }
}
