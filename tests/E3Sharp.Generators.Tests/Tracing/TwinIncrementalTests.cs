using E3Sharp.Generators.Tracing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace E3Sharp.Generators.Tests.Tracing;

/// <summary>The twin pipeline binds only candidate classes and caches their models.</summary>
public class TwinIncrementalTests
{
    private const string Others = """
namespace Snippets;

public class Plain { public int X; }
public partial class Parts { }
public static class Helpers { public static int Twice(int x) => 2 * x; }
""";

    private static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        new[] { new TwinGenerator().AsSourceGenerator() },
        parseOptions: GeneratorHarness.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static IncrementalStepRunReason[] TwinReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedSteps[TwinGenerator.TwinStep]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static IncrementalStepRunReason[] OutputReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedOutputSteps
            .SelectMany(kv => kv.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    [Fact]
    public void ClassesWithoutBaseOrAttributesAreNotAnalysed()
    {
        var compilation = GeneratorHarness.Compile(("Module.cs", TwinHarness.Module("        return x * 2.0;")), ("Others.cs", Others));
        var driver = Driver().RunGenerators(compilation);

        // One model step: the module M. Plain, Parts and Helpers never reach the semantic analysis.
        Assert.Single(TwinReasons(driver));
        Assert.Single(driver.GetRunResult().GeneratedTrees);
    }

    [Fact]
    public void AnEditElsewhereRebuildsAnEqualModelAndEmitsNothing()
    {
        var compilation = GeneratorHarness.Compile(("Module.cs", TwinHarness.Module("        return x * 2.0;")), ("Others.cs", Others));
        var first = Driver().RunGenerators(compilation);
        var generated = first.GetRunResult().GeneratedTrees.Single().ToString();

        var others = compilation.SyntaxTrees.Single(t => t.FilePath == "Others.cs");
        var edited = compilation.ReplaceSyntaxTree(others,
            CSharpSyntaxTree.ParseText(Others.Replace("2 * x", "x + x", StringComparison.Ordinal), GeneratorHarness.ParseOptions, "Others.cs"));
        var second = first.RunGenerators(edited);
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, TwinReasons(second));
        Assert.All(OutputReasons(second), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.Equal(generated, second.GetRunResult().GeneratedTrees.Single().ToString());

        // Editing forward changes the model (the twin copies the body) and so the output.
        var module = edited.SyntaxTrees.Single(t => t.FilePath == "Module.cs");
        var third = second.RunGenerators(edited.ReplaceSyntaxTree(module,
            CSharpSyntaxTree.ParseText(TwinHarness.Module("        return x * 3.0;"), GeneratorHarness.ParseOptions, "Module.cs")));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, TwinReasons(third));
        Assert.Contains("3.0", third.GetRunResult().GeneratedTrees.Single().ToString(), StringComparison.Ordinal);
    }
}
