using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using E3Sharp.Tests.Catalogue;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>
/// Every module of the catalogue compiles by its mode (AssertAutoJitable: eager outputs, save/load, strict shapes);
/// compiled modules take inputs of any batch rank, move to float64 and load eager state dicts; AssertAutoJitable's
/// own failures say what went wrong.
/// </summary>
public class AutoJitableTests
{
    /// <summary>
    /// Every variant of the module catalogue (tests/E3Sharp.Tests/Catalogue), "Kind/variant", of the kinds that make
    /// their own inputs (ITracingInputs): AssertAutoJitable compiles by the class's mode, which for a module without
    /// inputs of its own (Abs) has nothing to trace; the catalogue's runners trace Abs on given inputs.
    /// </summary>
    public static TheoryData<string> CatalogueVariants() =>
        new(ModuleCatalogue.Kinds.Where(k => typeof(ITracingInputs).IsAssignableFrom(k.Type))
            .SelectMany(k => k.Variants.Select(v => $"{k.Name}/{v.Name}")));

    /// <summary>The irreps modules with an eager float64 twin: the tensor products, O3 modules and Nn's features.</summary>
    public static TheoryData<string> ModuleNames() =>
    [
        "FullyConnectedTensorProduct/default", "ElementwiseTensorProduct/default", "FullTensorProduct/default",
        "TensorSquare/default", "Norm/squared", "Linear/biases", "SphericalHarmonics/lmax3-normalized",
        "Activation/default", "Gate/default", "Extract/default", "ExtractIr/default",
    ];

    private static nn.Module MakeModule(string id) =>
        ModuleCatalogue.Build(ModuleCatalogue.Find(id).Variant, ScalarType.Float32);

    [Theory]
    [MemberData(nameof(CatalogueVariants))]
    public void EveryModuleIsAutoJitable(string id)
    {
        // Equivariance, e3nn's numbers, gradients and bad inputs of every runner: Catalogue/CatalogueTests.
        using var scope = NewDisposeScope();
        manual_seed(0);
        var module = MakeModule(id);
        var compiled = Assertions.AssertAutoJitable(module, strictShapes: ((ITracingInputs)module).FixedLastDimension);
        Assert.Equal(TorchScript.GetCompileMode(module) == JitMode.Script ? "scripted" : "traced",
            TorchScript.Describe(compiled).Split('\n')[0].Split(": ")[^1]);
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    [InlineData("FullyConnectedTensorProduct (merged without autograd)")]
    public void EveryCompiledModuleRunsInputsOfAnyBatchRank(string name)
    {
        // Traced with [batch, dim] examples, a compiled module takes inputs without batch dimensions, with several,
        // and (two inputs) with batch dimensions that broadcast, like e3nn's compiled modules: its traced code counts
        // the dimensions it splits from the end. It used to hold the example's rank (unflatten(x, 1, ...)).
        using var scope = NewDisposeScope();
        manual_seed(0);
        var module = name.EndsWith("(merged without autograd)", StringComparison.Ordinal)
            ? new FullyConnectedTensorProduct("2x0e + 2x1o + 2x2e", "0e + 1o + 2e", "2x0e + 2x1o + 2x2e")
            : MakeModule(name);
        var irrepsIn = ((IIrrepsModule)module).IrrepsIn;
        var compiled = TorchScript.Compile(module);
        var batches = new List<long[][]> { new[] { Array.Empty<long>() }, new[] { new long[] { 2, 3 } }, new[] { new long[] { 2, 1, 3 } } };
        if (irrepsIn.Count == 2)
        {
            batches.Add(new[] { new long[] { 2, 3 }, new long[] { 3 } });
            batches.Add(new[] { new long[] { 4, 1 }, new long[] { 1, 5 } });
        }

        foreach (var batch in batches)
        {
            var inputs = irrepsIn.Select((ir, i) => ir!.Randn(batch[Math.Min(i, batch.Length - 1)].Append(-1L).ToArray(), ScalarType.Float32, null)).ToArray();
            var expected = E3Sharp.Testing.ModuleInvoker.Invoke(module, inputs);
            foreach (var grad in new[] { true, false })
            {
                using var mode = grad ? enable_grad() : no_grad();
                AssertSameOutputs(expected, Interop.Flatten(compiled.forward(inputs.Cast<object>().ToArray())), 1e-5,
                    $"{name}, batch {string.Join(" / ", batch.Select(b => "[" + string.Join(",", b) + "]"))}, autograd {grad}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void ACompiledModuleMovedToFloat64GivesTheEagerFloat64Numbers(string name)
    {
        // Compiled in float32 and moved to float64, as e3nn's compiled modules can be: every tensor the compiled code
        // uses is module state (the constants a module derives, CG blocks and index tables, are non-persistent
        // buffers of the eager module and buffers of the compiled one) or is converted to its input's dtype and
        // device where it is used (SphericalHarmonics' recursion matrices). They used to be folded into TorchScript
        // constants, which no .to() reaches (a float32 constant in a float64 matmul: a dtype error; on a GPU, a CPU
        // tensor). PyTorch's .to(float64) casts the floating state only, and PyTorch 1.13 runs it on every archive
        // (interop); LibTorch C++'s Module::to(dtype), which TorchSharp calls, casts integer buffers too (the index
        // tables of the tensor products), so here the modules without them are moved in TorchSharp as well.
        using var scope = NewDisposeScope();
        manual_seed(0);
        var module = MakeModule(name);
        var compiled = TorchScript.Compile(module);
        var archive = E3Sharp.Jit.Serialization.TorchScriptArchive.SaveToBytes(compiled);
        // No tensor constant is used as it is (the integer index tables could not follow a .to(device) either).
        var code = string.Concat(E3Sharp.Jit.Serialization.TorchScriptArchiveReader.Read(archive).Code.Values);
        Assert.DoesNotMatch(@"CONSTANTS\.c\d+(?!, _t\d+\))|(?<!torch\.to\()CONSTANTS", code);
        module.to(ScalarType.Float64);
        var inputs = ((IIrrepsModule)module).IrrepsIn.Select(ir => ir!.Randn(new long[] { 3, -1 }, ScalarType.Float64, null)).ToArray();
        var expected = E3Sharp.Testing.ModuleInvoker.Invoke(module, inputs);
        if (compiled.buffers().All(b => b.is_floating_point()))
        {
            compiled.to(ScalarType.Float64);
            AssertSameOutputs(expected, Interop.Flatten(compiled.forward(inputs.Cast<object>().ToArray())), 1e-6, name);
        }

        Interop.Record("compiled_to_float64_" + name.ToLowerInvariant().Replace('/', '.'), archive, "forward", inputs, expected,
            toDtype: ScalarType.Float64, tolerance: 1e-6);
    }

    [Theory]
    [InlineData("FullyConnectedTensorProduct/default")]
    [InlineData("Linear/biases")]
    [InlineData("Gate/default")]
    public void AnEagerStateDictLoadsIntoTheCompiledModuleWithoutStrictness(string name)
    {
        // The compiled module's state is the eager state_dict (same names) plus the constants the module derives,
        // which the eager module keeps as non-persistent buffers: strict: false loads the eager weights.
        using var scope = NewDisposeScope();
        manual_seed(0);
        var module = MakeModule(name);
        var compiled = TorchScript.Compile(module);
        using (no_grad())
        {
            foreach (var p in module.parameters())
            {
                p.add_(1.0);
            }
        }

        var eagerKeys = module.state_dict().Keys.ToHashSet();
        var extra = compiled.state_dict().Keys.Where(k => !eagerKeys.Contains(k)).ToList();
        Assert.Subset(compiled.state_dict().Keys.ToHashSet(), eagerKeys);
        Assert.All(extra, k => Assert.True(module.has_buffer(k), $"{name}: compiled-only key '{k}' is not a buffer of the eager module"));
        var (missing, unexpected) = compiled.load_state_dict(module.state_dict(), strict: false);
        Assert.Equal(extra.Order(), missing.Order());
        Assert.Empty(unexpected);
        var inputs = ((IIrrepsModule)module).IrrepsIn.Select(ir => ir!.Randn(new long[] { 3, -1 }, ScalarType.Float32, null)).ToArray();
        AssertSameOutputs(E3Sharp.Testing.ModuleInvoker.Invoke(module, inputs),
            Interop.Flatten(compiled.forward(inputs.Cast<object>().ToArray())), 1e-5, name);
    }

    private static void AssertSameOutputs(Tensor[] expected, Tensor[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k].shape, actual[k].shape);
            Assert.Equal(expected[k].dtype, actual[k].dtype);
            var diff = (expected[k] - actual[k]).abs().max().ToDouble();
            Assert.True(diff < tolerance, $"{what}: output {k} differs by {diff:E2}");
        }
    }

    [Fact]
    public void AModuleWithoutModeIsRefusedUnlessTraceGaveItOne()
    {
        using var scope = NewDisposeScope();
        var mod = new TracedAround(new Irreps("2x0e + 1x1o"));
        var e = Assert.Throws<ArgumentException>(() => Assertions.AssertAutoJitable(mod));
        Assert.StartsWith("AssertAutoJitable is only for modules with a compile mode, and TracedAround has none.", e.Message);
        TorchScript.Trace(mod, new Irreps("2x0e + 1x1o").Randn(3, -1));
        Assertions.AssertAutoJitable(mod);   // the mode and the example inputs Trace left behind (as in e3nn)
    }

    [Fact]
    public void StrictShapesNeedsAFixedLastDimension()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => Assertions.AssertAutoJitable(new VariableLastDimension()));
        Assert.StartsWith("strictShapes: VariableLastDimension declares ITracingInputs.FixedLastDimension = false", e.Message);
        Assertions.AssertAutoJitable(new VariableLastDimension(), strictShapes: false);
    }

    [Fact]
    public void AScriptedModuleThatAcceptsAnyLastDimensionFailsStrictShapes()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<AutoJitableException>(() => Assertions.AssertAutoJitable(new ShapeBlind()));
        Assert.StartsWith("ShapeBlind: the compiled module accepted argument 0 with its last dimension changed from 4 to", e.Message);
        Assertions.AssertAutoJitable(new ShapeBlind(), strictShapes: false);
    }

    [Fact]
    public void ACompileFailureIsReportedWithTheModuleName()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<AutoJitableException>(() => Assertions.AssertAutoJitable(new BatchSizeBranch()));
        Assert.StartsWith("BatchSizeBranch does not compile to TorchScript: Trace check failed for BatchSizeBranch", e.Message);
    }

    [Fact]
    public void TracerWarningsFailUnlessAllowed()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<AutoJitableException>(() => Assertions.AssertAutoJitable(new ValueBranch()));
        Assert.StartsWith("Compiling ValueBranch reported", e.Message);
        Assertions.AssertAutoJitable(new ValueBranch(), errorOnWarnings: false);
    }
}

/// <summary>Traced; the last dimension of its inputs varies (like e3nn's TracingModule).</summary>
[CompileMode(JitMode.Trace)]
public partial class VariableLastDimension : nn.Module<Tensor, Tensor>, ITracingInputs
{
    public VariableLastDimension() : base(nameof(VariableLastDimension))
    {
    }

    public override Tensor forward(Tensor x) => x.sum(-1);

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(3, 2 + i) }).ToArray();

    public bool FixedLastDimension => false;
}

/// <summary>Scripted elementwise op: nothing in it checks the last dimension.</summary>
[CompileMode(JitMode.Script)]
public partial class ShapeBlind : nn.Module<Tensor, Tensor>, ITracingInputs
{
    public ShapeBlind() : base(nameof(ShapeBlind))
    {
    }

    public override Tensor forward(Tensor x) => x * 2.0;

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(_ => new[] { randn(3, 4) }).ToArray();

    public bool FixedLastDimension => true;
}

/// <summary>Traced; branches on a tensor value (always true here, so the trace checks pass, but the tracer warns).</summary>
[CompileMode(JitMode.Trace)]
public partial class ValueBranch : nn.Module<Tensor, Tensor>, ITracingInputs
{
    public ValueBranch() : base(nameof(ValueBranch))
    {
    }

    public override Tensor forward(Tensor x)
    {
        if (x.abs().sum().item<float>() >= 0)
        {
            return x * 2.0;
        }

        return x;
    }

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(2 + i, 3) }).ToArray();

    public bool FixedLastDimension => true;
}
