using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Pickle;
using E3Sharp.Jit.Serialization;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>The archive reader reads our archives, LibTorch re-saves and PyTorch archives without LibTorch's importer.</summary>
public class ArchiveReaderTests
{
    private static void AssertTensor(Tensor expected, object? actual)
    {
        var t = Assert.IsType<Tensor>(actual, exactMatch: false);
        Assert.Equal(expected.dtype, t.dtype);
        Assert.Equal(expected.shape, t.shape);
        Assert.True(t.eq(expected).all().item<bool>());
    }

    [Fact]
    public void ReadsOurArchiveBack()
    {
        using var scope = NewDisposeScope();
        var f = new FeatureModules();
        var root = f.Build();
        var contents = TorchScriptArchiveReader.Read(TorchScriptArchive.Write(root, new TorchScriptArchiveOptions
        {
            ExtraFiles = new Dictionary<string, byte[]> { ["info.txt"] = [1, 2, 3] },
        }));
        Assert.Equal("archive", contents.RootFolder);
        Assert.Equal(TorchScriptArchive.FileFormatVersion, contents.Version);
        Assert.Equal(new byte[] { 1, 2, 3 }, contents.ExtraFiles["info.txt"]);
        var r = contents.Root;
        Assert.Equal("__torch__.feat.Root", r.QualifiedName);
        Assert.Equal(true, r["training"]);
        AssertTensor(f.W, r["w"]);
        AssertTensor(f.I64, r["i64"]);
        AssertTensor(f.Mask, r["mask"]);
        AssertTensor(f.D64, r["d64"]);
        Assert.Equal(new List<object?> { 1L, 2L }, r["dims"]);
        Assert.Equal(new List<object?> { 0.5, 2.0 }, r["scales"]);
        Assert.Null(r["maybe"]);
        Assert.Equal("feature \"root\"\n", r["name"]);
        Assert.Equal(new object?[] { 2L, 0.25 }, Assert.IsType<PickleTuple>(r["cfg"]).Items);
        Assert.True(Assert.IsType<PickleDict>(r["table"]).TryGetValue("t", out var tt));
        AssertTensor(f.TableTensor, tt);
        var mid = Assert.IsType<PickledModule>(r["mid"]);
        var leaf = Assert.IsType<PickledModule>(mid["leaf"]);
        Assert.Equal("__torch__.feat.deep.Leaf", leaf.QualifiedName);
        AssertTensor(f.C, leaf["c"]);
        Assert.True(((Tensor)leaf["b"]!).requires_grad == f.B.requires_grad);

        // The class declarations: parameters, buffers, attribute types, constants, methods.
        var d = r.Declaration!;
        Assert.Equal(["w"], d.Parameters);
        Assert.Equal(["offset", "d64", "i64", "mask"], d.Buffers);
        foreach (var a in root.Class.Attributes.Where(a => a.Kind != AttributeKind.Constant))
        {
            Assert.Equal(a.Type.Name, d.AttributeType(a.Name));
        }

        Assert.Equal(TsType.Dict(TsType.Tensor), d.AttributeTsType("table"));
        Assert.Equal(TsType.Tuple(TsType.Int, TsType.Float), d.AttributeTsType("cfg"));
        Assert.Null(d.AttributeTsType("mid"));
        Assert.Equal([("n_iter", "int", "3")], d.Constants);
        Assert.Equal(["forward"], d.Methods);
        Assert.Equal("__torch__.feat.deep.Leaf", contents.Classes["__torch__.feat.deep.Leaf"].QualifiedName);
    }

    [Fact]
    public void ReadsLibTorchResavedArchiveWithSharedStorages()
    {
        using var scope = NewDisposeScope();
        var w = arange(6, dtype: float64).reshape(2, 3);
        var m = new ModuleInstance("__torch__.tied2.Net")
            .AddParameter("w", w)
            .AddBuffer("alias", w)
            .AddBuffer("row", w[1])
            .AddConstant("k", TsType.Int, 2);
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        f.Return(Var("x") * Self("alias") + Self("row") * Self("k") + Constant(tensor(new[] { 5L })));
        m.AddMethod(f.Build());
        using var loaded = TorchScriptArchive.ToScriptModule(m);
        var resaved = TorchScriptArchive.SaveToBytes(loaded);
        var contents = TorchScriptArchiveReader.Read(resaved);
        AssertTensor(w, contents.Root["w"]);
        AssertTensor(w, contents.Root["alias"]);
        AssertTensor(w[1], contents.Root["row"]);
        Assert.Single(contents.Constants);
        AssertTensor(tensor(new[] { 5L }), contents.Constants[0]);
        // the three tensors share one storage again
        using (no_grad())
        {
            ((Tensor)contents.Root["alias"]!).add_(1);
        }

        AssertTensor(w + 1, contents.Root["w"]);
        AssertTensor(w[1] + 1, contents.Root["row"]);
    }

    [Fact]
    public void ReadsPyTorchScriptedArchive()
    {
        using var scope = NewDisposeScope();
        var dir = Interop.PyTorchArchives();
        var contents = TorchScriptArchiveReader.Read(File.ReadAllBytes(Path.Combine(dir, "pytorch_scripted.pt")));
        var r = contents.Root;
        Assert.Equal(2L, r["count"]);
        Assert.Equal(new List<object?> { 1L, 2L }, r["dims"]);
        Assert.Null(r["maybe"]);
        AssertTensor(tensor(new[] { 3L }), r["steps"]);
        var lin = Assert.IsType<PickledModule>(r["lin"]);
        AssertTensor(arange(9, dtype: float32).reshape(3, 3) / 10.0f, lin["weight"]);
        Assert.True(((Tensor)lin["weight"]!).requires_grad);
        var child = Assert.IsType<PickledModule>(r["child"]);
        AssertTensor(tensor(new[] { 1.0, 2.0, 3.0 }), child["shift"]);
        Assert.Equal(["scale"], child.Declaration!.Parameters);
        Assert.Equal("List[int]", r.Declaration!.AttributeType("dims"));
        Assert.Equal("Optional[Tensor]", r.Declaration.AttributeType("maybe"));
        Assert.Contains("forward", r.Declaration.Methods);
        Assert.Equal(["lin", "child"], r.Children.Select(c => c.Key).ToArray());
    }

    [Fact]
    public void PickleReaderInterpretsPythonProtocol4PicklesAndKeepsSharing()
    {
        // pickle.dumps(([1, 2] as x, x, b'ab', 'é', -3, 2**40, 1.5, None, True, {'k': x}, OrderedDict()), protocol=4)
        // by CPython 3 (FRAME, MEMOIZE, SHORT_BINBYTES, SHORT_BINUNICODE, STACK_GLOBAL, LONG1).
        var bytes = Convert.FromHexString(
            "8004955a00000000000000285d94284b014b0265680043026162948c02c3a9944afdffffff8a06000000000001473ff8" +
            "0000000000004e887d948c016b946800738c0b636f6c6c656374696f6e73948c0b4f7264657265644469637494939429529474942e");
        var reduced = new List<string>();
        var value = new PickleReader(bytes)
        {
            Reduce = (PickleGlobal callable, IReadOnlyList<object?> args, out bool handled) =>
            {
                reduced.Add(callable.FullName + "/" + args.Count);
                handled = true;
                return "reduced";
            },
        }.Load();
        var t = Assert.IsType<PickleTuple>(value).Items;
        Assert.Equal(11, t.Count);
        var x = Assert.IsType<List<object?>>(t[0]);
        Assert.Equal(new List<object?> { 1L, 2L }, x);
        Assert.Same(x, t[1]);
        Assert.Equal("ab"u8.ToArray(), Assert.IsType<byte[]>(t[2]));
        Assert.Equal("\u00e9", t[3]);
        Assert.Equal(-3L, t[4]);
        Assert.Equal(1L << 40, t[5]);
        Assert.Equal(1.5, t[6]);
        Assert.Null(t[7]);
        Assert.Equal(true, t[8]);
        Assert.True(Assert.IsType<PickleDict>(t[9]).TryGetValue("k", out var k));
        Assert.Same(x, k);
        Assert.Equal("reduced", t[10]);
        Assert.Equal(["collections.OrderedDict/0"], reduced);
        // Without a handler the REDUCE stays an object of that class.
        var plain = (PickleTuple)new PickleReader(bytes).Load()!;
        Assert.Equal(new PickleGlobal("collections", "OrderedDict"), Assert.IsType<PickleObject>(plain.Items[10]).Class);
    }

    [Fact]
    public void MalformedArchivesThrowInsteadOfAborting()
    {
        Assert.Throws<InvalidDataException>(() => TorchScriptArchiveReader.Read([1, 2, 3]));
        var bad = new PickleReader([0x80, 0x02, 0xff]);
        Assert.Equal("Pickle: unsupported opcode 0xff at offset 2.", Assert.Throws<InvalidDataException>(() => bad.Load()).Message);
        var pw = new PickleWriter();
        pw.Int(-5);
        pw.Int(1L << 40);
        var back = new PickleReader(pw.Finish()).Load();
        Assert.Equal(1L << 40, back);
    }
}
