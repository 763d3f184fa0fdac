using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators.Tests.Tracing;

public class TwinGeneratorTests
{
    private const string SnapshotSource = """
using System.Collections.Generic;
using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snippets;

[CompileMode(JitMode.Trace)]
public partial class SplitCat : nn.Module<Tensor, Tensor>
{
    private readonly int[] sizes = { 1, 2, 3 };
    private readonly Parameter mix = new(torch.ones(6));
    private readonly TorchSharp.Modules.Linear post = nn.Linear(6, 2);

    public SplitCat() : base("SplitCat") => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        long offset = 0;
        foreach (var s in sizes)
        {
            parts.Add(Weight(x.narrow(-1, offset, s), s));
            offset += s;
        }

        var y = cat(parts, -1) * mix;
        return post.call(y).MoveToOuterDisposeScope();
    }

    private static Tensor Weight(Tensor t, double k) => t * k + 1;
}
""";

    [Fact]
    public void TwinSnapshot()
    {
        var result = TwinHarness.Run(SnapshotSource);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        var (hint, source) = Assert.Single(result.Generated);
        Assert.Equal("Snippets.SplitCat.Twin.g.cs", hint);
        if (Environment.GetEnvironmentVariable("E3SHARP_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(Path.Combine(SourceFolder(), "..", "Snapshots", "Tracing", "SplitCat.Twin.g.cs.txt"), source);
        }

        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Snapshots", "Tracing", "SplitCat.Twin.g.cs.txt"));
        Assert.Equal(expected.ReplaceLineEndings("\n").TrimEnd(), source.ReplaceLineEndings("\n").TrimEnd());
    }

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;

    [Fact]
    public void TwinBodyKeepsTheUserLines()
    {
        var source = TwinHarness.Run(SnapshotSource).Generated.Single().Source;
        var lines = source.Split('\n');
        var bodyLine = GeneratorHarness.LineOf(SnapshotSource, "        using var scope") - 1;
        var directive = Array.FindIndex(lines, l => l == $"#line {bodyLine} \"Module.cs\"");
        Assert.True(directive >= 0, source);
        // the line after the directive is the user's body line; every later user line keeps its distance
        var foreachLine = GeneratorHarness.LineOf(SnapshotSource, "foreach (var s in sizes)");
        Assert.Contains("foreach (var s in sizes)", lines[directive + 1 + (foreachLine - bodyLine)]);
    }

    [Fact]
    public void IdeHostsSkipTheTwins()
    {
        var result = TwinHarness.Run(SnapshotSource, IncrementalGeneratorOutputKind.Implementation);
        Assert.Empty(result.Generated);
    }

    private static Diagnostic SingleDiagnostic(string source, string id)
    {
        var result = TwinHarness.Run(source);
        var d = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        return d;
    }

    private static int Line(Diagnostic d) => d.Location.GetLineSpan().StartLinePosition.Line + 1;

    [Fact]
    public void UnsupportedTensorMember()
    {
        var source = TwinHarness.Module("        return x.add_(1.0);");
        var d = SingleDiagnostic(source, "E3S050");
        Assert.Equal(GeneratorHarness.LineOf(source, "x.add_"), Line(d));
        Assert.Equal("'x.add_(1.0)' cannot be traced: the tracer has no recording counterpart of the Tensor member 'add_' (module M)", d.GetMessage());
    }

    [Fact]
    public void UnflattenCountedFromTheEndGoesThroughTheJitExtension()
    {
        // E3Sharp.Jit.TensorExtensions.unflatten(Index, ...) is an extension method, not TorchSharp's: the twin keeps
        // the call, which binds to TraceTensor.unflatten(Index, ...) (it records the dimension negative).
        var result = TwinHarness.Run(TwinHarness.Module("        return x.unflatten(^1, 3, 1).flatten(-2);"));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        Assert.Contains("x.unflatten(^1, 3, 1)", Assert.Single(result.Generated).Source);
    }

    [Fact]
    public void UnsupportedTorchFunction()
    {
        var source = TwinHarness.Module("        return torch.cdist(x, x);");
        var d = SingleDiagnostic(source, "E3S051");
        Assert.Equal("'torch.cdist(x, x)' cannot be traced: the tracer has no recording counterpart of 'torch.cdist' (module M)", d.GetMessage());
        Assert.Equal(GeneratorHarness.LineOf(source, "torch.cdist"), Line(d));
    }

    [Fact]
    public void RandomTensorInForward()
    {
        var d = SingleDiagnostic(TwinHarness.Module("        return x + randn(3);"), "E3S052");
        Assert.Contains("'randn(3)' creates random numbers inside a traced forward", d.GetMessage());
    }

    [Fact]
    public void ExternalMethodTakingTensors()
    {
        var source = TwinHarness.Module("        return Helpers.Twice(x);") + """

public static class Helpers
{
    public static Tensor Twice(Tensor t) => t * 2;
}
""";
        var d = SingleDiagnostic(source, "E3S053");
        Assert.Contains("'Helpers.Twice(x)' takes or returns a Tensor but has no tracing twin", d.GetMessage());
    }

    [Fact]
    public void TraceableHelperClassIsTwinnedAndCalled()
    {
        var source = TwinHarness.Module("        return Helpers.Twice(x);") + """

[Traceable]
public static partial class Helpers
{
    public static Tensor Twice(Tensor t) => t * 2;
}
""";
        var result = TwinHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        Assert.Contains(result.Generated, g => g.Source.Contains("global::Snippets.Helpers.__trace_Twice(x)"));
        Assert.Contains(result.Generated, g => g.HintName == "Snippets.Helpers.Twin.g.cs");
    }

    [Fact]
    public void AssigningATensorField()
    {
        var d = SingleDiagnostic(TwinHarness.Module("        last = x;\n        return x;", "    private Tensor last = torch.zeros(3);"), "E3S054");
        Assert.Contains("assigns the tensor member 'last' inside a traced forward", d.GetMessage());
    }

    [Fact]
    public void TraceModeClassMustBePartial()
    {
        var d = SingleDiagnostic(TwinHarness.Module("        return x;", header: "public class M : nn.Module<Tensor, Tensor>"), "E3S055");
        Assert.Contains("'M' is compiled by tracing ([CompileMode(JitMode.Trace)]) but 'M' is not declared 'partial'", d.GetMessage());
    }

    [Theory]
    [InlineData("        var k = 1;\n        return x * weight[k];")]
    [InlineData("        long k = 2;\n        return x * weight[k];")]
    [InlineData("        var m = x.reshape(-1, 3);\n        int i = 0, j = 1;\n        return m[i, j] + m[0, 2L];")]
    [InlineData("        var c = x.reshape(-1, 1, 3);\n        int i = 0;\n        return c[i, 0, 2] + c[0L, i, 1L];")]
    [InlineData("        int k = 2;\n        return x[TensorIndex.Ellipsis, k] + x[.., k] + x[k, ..];")]
    [InlineData("        var n = x.shape[0];\n        int k = 0;\n        return x[n - 1] + x[k] + x[n - 1, k] + x[n - 1, 2L] + x[n - 1, ..];")]
    public void IntegerIndexingCompilesInTheTwinAsOnTensor(string body)
    {
        // Where Tensor's indexer takes the ints (this[long, ...]), TraceTensor's must too: its SymInt and
        // params TensorIndex[] overloads alone made x[k] with an int k ambiguous, so the twin did not compile.
        var result = TwinHarness.Run(TwinHarness.Module(body));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        Assert.DoesNotContain("RegisterUntraceable", Assert.Single(result.Generated).Source);
    }

    [Fact]
    public void ModuleWithoutCompileModeRecordsTheReasonInsteadOfFailingTheBuild()
    {
        var result = TwinHarness.Run(TwinHarness.Module("        return x.add_(1.0);", attribute: ""));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        var source = Assert.Single(result.Generated).Source;
        Assert.Contains("RegisterUntraceable(typeof(M), \"Module.cs(", source);
        Assert.Contains("E3S050: 'x.add_(1.0)' cannot be traced", source);
    }

    [Fact]
    public void BrokenUserCodeIsLeftToTheCompiler()
    {
        var result = TwinHarness.Run(TwinHarness.Module("        return x.NoSuchMethod();"));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Generated);
    }

    [Fact]
    public void ModuleWithoutCompileModeWhoseTwinWouldNotCompileRecordsTheReason()
    {
        // TraceTensor has no clamp(Tensor, Tensor) overload: the twin would not compile
        var result = TwinHarness.Run(TwinHarness.Module("        return x.clamp(weight, weight);", attribute: ""));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        var source = Assert.Single(result.Generated).Source;
        Assert.Contains("RegisterUntraceable(typeof(M), \"Module.cs(", source);
        Assert.Contains("the tracing twin does not compile", source);
    }

    [Fact]
    public void TraceModeTwinThatDoesNotCompileIsReportedAtTheUserLine()
    {
        var source = TwinHarness.Module("        return x.clamp(weight, weight);");
        var result = TwinHarness.Run(source);
        Assert.NotEmpty(result.OutputErrors);
        foreach (var error in result.OutputErrors)
        {
            Assert.Equal(GeneratorHarness.LineOf(source, "x.clamp"), error.Location.GetMappedLineSpan().StartLinePosition.Line + 1);
            Assert.Equal("Module.cs", error.Location.GetMappedLineSpan().Path);
        }
    }

    private const string Usings = """
using System.Collections.Generic;
using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace Snippets;

""";

    [Fact]
    public void GenericTraceModeModule()
    {
        var d = SingleDiagnostic(Usings + """
[CompileMode(JitMode.Trace)]
public partial class G<T> : nn.Module<Tensor, Tensor>
{
    public G() : base("G") { }
    public override Tensor forward(Tensor x) => x;
}
""", "E3S056");
        Assert.Equal("'G' is compiled by tracing but is generic; tracing twins are generated for non-generic module classes only", d.GetMessage());
    }

    [Fact]
    public void TraceableClassMustBeStatic()
    {
        var d = SingleDiagnostic(Usings + """
[Traceable]
public partial class H
{
    public static Tensor Twice(Tensor t) => t * 2;
}
""", "E3S057");
        Assert.Equal("'H' is marked [Traceable] but is not a 'static partial' class (and every class containing it partial)", d.GetMessage());
    }

    [Fact]
    public void TraceModeModuleWithoutForward()
    {
        var d = SingleDiagnostic(Usings + """
[CompileMode(JitMode.Trace)]
public partial class NoForward : nn.Module
{
    public NoForward() : base("NoForward") { }
}
""", "E3S058");
        Assert.Equal("'NoForward' is compiled by tracing but declares or inherits no 'forward' method whose parameters are tensors", d.GetMessage());
    }

    [Fact]
    public void TensorsInADictionaryCannotBeLifted()
    {
        var source = TwinHarness.Module("        return x + table[\"a\"];", "    private readonly Dictionary<string, Tensor> table = new() { [\"a\"] = torch.ones(3) };");
        var d = SingleDiagnostic(source, "E3S059");
        Assert.Contains("'table' cannot be traced: the member 'table' of type System.Collections.Generic.Dictionary<string, TorchSharp.torch.Tensor> holds tensors in a form the tracer cannot lift", d.GetMessage());
    }
}
