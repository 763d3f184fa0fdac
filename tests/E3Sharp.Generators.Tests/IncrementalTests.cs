using E3Sharp.Generators.Scripting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace E3Sharp.Generators.Tests;

/// <summary>The pipeline models are value-equal: unrelated edits leave the output cached.</summary>
public class IncrementalTests
{
    private static IncrementalStepRunReason[] TranslateReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedSteps[ScriptGenerator.TranslateStep]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    [Fact]
    public void UnrelatedEditKeepsTheOutputCachedAndEditingForwardModifiesIt()
    {
        var module = GeneratorHarness.Module("        return x * 2.0;");
        var compilation = GeneratorHarness.Compile(("Module.cs", module), ("Other.cs", "namespace Snippets; class Other { }"));
        var first = GeneratorHarness.Run(compilation);
        Assert.Single(first.Generated);

        // An unrelated file changes: the translation reruns but yields an equal model, so the output is cached.
        var other = compilation.SyntaxTrees.Single(t => t.FilePath == "Other.cs");
        var edited = compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("namespace Snippets; class Other { int x; }", GeneratorHarness.ParseOptions, "Other.cs"));
        var second = GeneratorHarness.Run(edited, first.Driver);
        Assert.All(TranslateReasons(second.Driver), r => Assert.True(r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, r.ToString()));
        Assert.Equal(first.Generated, second.Generated);

        // forward changes: the model is modified.
        var tree = edited.SyntaxTrees.Single(t => t.FilePath == "Module.cs");
        var changed = edited.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(GeneratorHarness.Module("        return x * 3.0;"), GeneratorHarness.ParseOptions, "Module.cs"));
        var third = GeneratorHarness.Run(changed, second.Driver);
        Assert.Contains(IncrementalStepRunReason.Modified, TranslateReasons(third.Driver));
        Assert.Contains("__ir.Float(3.0)", third.Generated.Single().Source);
    }

    [Fact]
    public void AnEditThatLeavesTheModelEqualIsNotEmittedAgain()
    {
        var compilation = GeneratorHarness.Compile(("Module.cs", GeneratorHarness.Module("        return x * 2.0;")));
        var first = GeneratorHarness.Run(compilation);
        Assert.Single(first.Generated);

        // A comment and a blank line in forward: the tree changes and the class is translated again, but the model
        // (usings, class shape, method builders, diagnostics) is equal, so the emitter does not run.
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "Module.cs");
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(
            GeneratorHarness.Module("        // twice the input\n\n        return x * 2.0;"), GeneratorHarness.ParseOptions, "Module.cs"));
        var second = GeneratorHarness.Run(edited, first.Driver);
        var run = second.Driver.GetRunResult().Results.Single();
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, TranslateReasons(second.Driver));
        var outputs = run.TrackedOutputSteps.SelectMany(kv => kv.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.Equal(first.Generated, second.Generated);

        // The same edit that also changes the translation is emitted again.
        var changed = edited.ReplaceSyntaxTree(edited.SyntaxTrees.Single(t => t.FilePath == "Module.cs"), CSharpSyntaxTree.ParseText(
            GeneratorHarness.Module("        // twice the input\n\n        return x * 2.5;"), GeneratorHarness.ParseOptions, "Module.cs"));
        var third = GeneratorHarness.Run(changed, second.Driver).Driver.GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Modified,
            third.TrackedOutputSteps.SelectMany(kv => kv.Value).SelectMany(s => s.Outputs).Select(o => o.Reason));
    }

    [Fact]
    public void MethodsThatDoNotBindAreLeftToTheCompiler()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Module("        return x.NoSuchMethod();"));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Generated);
        Assert.Contains(result.OutputErrors, d => d.Id == "CS1061");
    }
}
