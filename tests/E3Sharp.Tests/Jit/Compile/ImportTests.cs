using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Jit.Import;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Pickle.Tree;
using E3Sharp.Jit.Serialization;
using TorchSharp;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>
/// Existing TorchScript modules (written by us or by PyTorch) embedded as children of a new archive: the imported
/// code runs unchanged next to generated code, constants and storages of both sides stay apart.
/// </summary>
public class ImportTests
{
    /// <summary>A child with a parameter, a buffer and a tensor constant: y = x * w + CONSTANTS (+ buffer).</summary>
    private static ModuleInstance ChildIr(string className, float scale)
    {
        var child = new ModuleInstance(className)
            .AddParameter("w", full(3, scale))
            .AddBuffer("b", tensor(new[] { 1.0f, 2.0f, 3.0f }));
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        f.Return(Var("x") * Self("w") + Constant(tensor(new[] { 10.0f, 20.0f, 30.0f })) + Self("b"));
        child.AddMethod(f.Build());
        return child;
    }

    private static torch.jit.ScriptModule LoadChild(string className, float scale) =>
        TorchScriptArchive.Load(TorchScriptArchive.Write(ChildIr(className, scale)));

    [Fact]
    public void TwoImportedModulesWithTheSameClassNameAndConstantsLiveSideBySide()
    {
        using var scope = NewDisposeScope();
        using var a = LoadChild("__torch__.test.Child", 2.0f);
        using var b = LoadChild("__torch__.test.Child", -1.0f);
        var imports = new ImportSet();
        var context = new CompileContext();
        var sa = imports.Import(a, context);
        var sb = imports.Import(b, context);
        Assert.NotEqual(sa.Class.QualifiedName, sb.Class.QualifiedName);
        Assert.NotNull(sa.Class.FindMethod("forward"));

        // Parent: its own constant (CONSTANTS.c0 in the parent's numbering) and both children.
        var parent = new ModuleInstance("__torch__.test.Parent")
            .AddSubmodule("a", sa)
            .AddSubmodule("b", sb)
            .AddParameter("k", tensor(new[] { 0.5f, 0.5f, 0.5f }));
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        f.Assign("y", Forward("a", Var("x")) - Forward("b", Var("x")));
        f.Return(Var("y") * Self("k") + Constant(tensor(new[] { 100.0f, 200.0f, 300.0f })));
        parent.AddMethod(f.Build());

        var bytes = imports.WriteArchive(parent);
        using var loaded = TorchScriptArchive.Load(bytes);
        var x = tensor(new[] { 1.0f, -2.0f, 4.0f });
        var actual = (Tensor)loaded.forward(x);
        var ya = x * 2.0f + tensor(new[] { 10.0f, 20.0f, 30.0f }) + tensor(new[] { 1.0f, 2.0f, 3.0f });
        var yb = x * -1.0f + tensor(new[] { 10.0f, 20.0f, 30.0f }) + tensor(new[] { 1.0f, 2.0f, 3.0f });
        var expected = (ya - yb) * 0.5f + tensor(new[] { 100.0f, 200.0f, 300.0f });
        Assert.True(allclose(actual, expected), $"got {actual.str()}, expected {expected.str()}");

        // The imported parameters and buffers are real parameters and buffers of the new module.
        Assert.Equal(new[] { "k", "a.w", "b.w" }, loaded.named_parameters().Select(p => p.name).OrderBy(n => n.Length).ThenBy(n => n));
        Assert.Contains("a.b", loaded.named_buffers().Select(p => p.name));

        // The result saves and loads again (LibTorch re-prints the combined code).
        var again = TorchScriptArchive.SaveToBytes(loaded);
        using var reloaded = TorchScriptArchive.Load(again);
        Assert.True(allclose((Tensor)reloaded.forward(x), expected));
        Interop.Record("compile_import_two_children", bytes, "forward", [x], [actual]);
    }

    [Fact]
    public void PyTorchScriptedModuleIsEmbeddedVerbatimAndGivesPyTorchsOutputs()
    {
        using var scope = NewDisposeScope();
        var dir = Interop.PyTorchArchives();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "pytorch_scripted.json")));
        var side = doc.RootElement;
        using var py = torch.jit.load(Path.Combine(dir, side.GetProperty("archive").GetString()!));
        var inputs = Interop.ReadTensors(side.GetProperty("inputs"));
        var expected = Interop.ReadTensors(side.GetProperty("outputs"));

        var imports = new ImportSet();
        var stub = imports.Import(py, new CompileContext());
        var forward = stub.Class.FindMethod("forward");
        Assert.NotNull(forward);
        Assert.Equal(TsType.Tuple(TsType.Tensor, TsType.Tensor), forward!.ReturnType);

        // Parent: returns the child's first output plus 1 and its second output doubled.
        var parent = new ModuleInstance("__torch__.test.Wrap").AddSubmodule("py", stub);
        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Tensor)).Param("x", TsType.Tensor);
        f.Assign("r", Forward("py", Var("x")));
        f.ReturnTuple(Index(Var("r"), 0) + 1.0, Index(Var("r"), 1) * 2.0);
        parent.AddMethod(f.Build());

        var bytes = imports.WriteArchive(parent);
        using var loaded = TorchScriptArchive.Load(bytes);
        var outs = Interop.Flatten(loaded.forward(inputs[0]));
        Assert.True(allclose(outs[0], expected[0] + 1.0f, rtol: 1e-6, atol: 1e-6));
        Assert.True(allclose(outs[1], expected[1] * 2.0f, rtol: 1e-6, atol: 1e-6));
        Assert.Equal(
            py.named_parameters().Select(p => "py." + p.name),
            loaded.named_parameters().Select(p => p.name));
        Interop.Record("compile_import_pytorch_child", bytes, "forward", inputs, outs);
    }

    [Fact]
    public void DescribeOfAPlainTorchScriptModuleListsItsSubmodulesAsLoaded()
    {
        using var scope = NewDisposeScope();
        var inner = ChildIr("__torch__.test.Inner", 1.0f);
        var outer = new ModuleInstance("__torch__.test.Outer").AddSubmodule("inner", inner);
        var f = new MethodBuilder("forward", TsType.Tensor).Param("x", TsType.Tensor);
        f.Return(Forward("inner", Var("x")));
        outer.AddMethod(f.Build());
        using var loaded = TorchScriptArchive.ToScriptModule(outer);
        Assert.Equal("TorchScript module: loaded\n└─ inner: TorchScript module: loaded", TorchScript.Describe(loaded));
    }

    [Fact]
    public void PickleTreeRoundTripsLibTorchsOwnPickles()
    {
        using var scope = NewDisposeScope();
        using var m = LoadChild("__torch__.test.Child", 3.0f);
        var saved = TorchScriptArchive.SaveToBytes(m);
        var archive = ImportedArchive.Read(saved, "test");
        var data = archive.Entries["data.pkl"];
        var tree = PickleTreeReader.Read(data, "data.pkl");
        var rewritten = PickleTreeWriter.Write(tree);
        // Same tree after a second round (the writer's memo layout may differ from LibTorch's, the values may not).
        var again = PickleTreeWriter.Write(PickleTreeReader.Read(rewritten, "rewritten"));
        Assert.Equal(rewritten, again);
        Assert.Equal("__torch__.test.Child", ((PickleCall)tree).ClassName);
    }

    [Fact]
    public void SignaturesAreReadFromMultiLineHeadersWithDefaults()
    {
        const string source =
            "class Net(Module):\n" +
            "  __parameters__ = []\n" +
            "  training : bool\n" +
            "  def forward(self: __torch__.Net,\n" +
            "    x: Tensor,\n" +
            "    w: Optional[Tensor]=None,\n" +
            "    k: int=3) -> Tuple[Tensor, List[int]]:\n" +
            "    return (x, [k])\n" +
            "  def right(self: __torch__.Net,\n" +
            "    y: Dict[str, Tensor]) -> Tensor:\n" +
            "    return y[\"a\"]\n" +
            "  def odd(self: __torch__.Net, m: __torch__.Other) -> Tensor:\n" +
            "    return m.forward()\n" +
            "class Other(Module):\n" +
            "  def forward(self: __torch__.Other) -> Tensor:\n" +
            "    return torch.zeros([1])\n";
        var sigs = TorchScriptSignatures.ReadClass(source, "Net");
        Assert.Equal(new[] { "forward", "right", "odd" }, sigs.Select(s => s.Name));
        var fwd = sigs[0];
        Assert.Equal(new[] { "x", "w", "k" }, fwd.Parameters!.Select(p => p.Name));
        Assert.Equal(TsType.Optional(TsType.Tensor), fwd.Parameters![1].Type);
        Assert.Equal(NoneLiteral.Instance, fwd.Parameters![1].Default);
        Assert.Equal(new IntLiteral(3), fwd.Parameters![2].Default);
        Assert.Equal(TsType.Tuple(TsType.Tensor, TsType.List(TsType.Int)), fwd.ReturnType);
        Assert.Equal(TsType.Dict(TsType.Str, TsType.Tensor), sigs[1].Parameters![0].Type);
        Assert.Null(sigs[2].Parameters); // a class-typed parameter cannot be expressed: not callable from our IR
    }
}
