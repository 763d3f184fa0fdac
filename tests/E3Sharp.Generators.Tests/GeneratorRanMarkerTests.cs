extern alias runtime;

using System.Reflection;
using runtime::E3Sharp.Jit;
using runtime::E3Sharp.Jit.Scripting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TorchSharp;

namespace E3Sharp.Generators.Tests;

/// <summary>
/// The assembly marker of the generators, and the message a consumer sees when the generator did not run in the
/// build of a module's assembly (no analyzer) as opposed to a class it did not translate.
/// </summary>
public class GeneratorRanMarkerTests
{
    private const string Scripted = """
using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace Consumer;

[CompileMode(JitMode.Script)]
public partial class Twice : nn.Module<Tensor, Tensor>
{
    public Twice() : base("Twice") => RegisterComponents();

    public override Tensor forward(Tensor x) => x * 2.0;
}
""";

    [Fact]
    public void MarksAssembliesThatReferenceE3Sharp()
    {
        var withE3Sharp = Run(GeneratorHarness.Compile(("M.cs", "namespace N; public class C { }")));
        var (hint, source) = Assert.Single(withE3Sharp);
        Assert.Equal("E3SharpGeneratorRan.g.cs", hint);
        Assert.Contains("[assembly: global::E3Sharp.Jit.E3SharpGeneratorRanAttribute]", source, StringComparison.Ordinal);

        var withoutE3Sharp = GeneratorHarness.Compile(("M.cs", "namespace N; public class C { }"));
        withoutE3Sharp = withoutE3Sharp.RemoveReferences(withoutE3Sharp.References.Where(r => r.Display?.EndsWith("E3Sharp.dll", StringComparison.Ordinal) == true));
        Assert.Empty(Run(withoutE3Sharp));
    }

    [Fact]
    public void CompileSaysTheGeneratorDidNotRun()
    {
        // Built as a consumer without the analyzer would be: no generator at all.
        var type = Load("NoGeneratorConsumer", GeneratorHarness.Compile(("Twice.cs", Scripted)));
        using var module = (torch.nn.Module)Activator.CreateInstance(type)!;
        var e = Assert.Throws<ScriptingException>(() => TorchScript.Compile(module));
        Assert.Equal(
            "Consumer.Twice cannot be compiled: the E3Sharp source generator did not run in the build of " +
            "NoGeneratorConsumer; reference the E3Sharp package, or the generator project as an Analyzer.",
            e.Message);
    }

    [Fact]
    public void CompileStillNamesAnUntranslatedClassWhenTheGeneratorRan()
    {
        // The marker is there (the generator ran) but the class was not translated (not partial): the old advice.
        var source = Scripted.Replace("public partial class", "public class", StringComparison.Ordinal);
        var type = Load("NotPartialConsumer", GeneratorHarness.Compile(
            ("Twice.cs", source), ("Marker.cs", "[assembly: E3Sharp.Jit.E3SharpGeneratorRan]")));
        using var module = (torch.nn.Module)Activator.CreateInstance(type)!;
        var e = Assert.Throws<ScriptingException>(() => TorchScript.Compile(module));
        Assert.Contains("declare it partial", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("did not run", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithTheGeneratorsTheSameClassCompiles()
    {
        var compilation = GeneratorHarness.Compile(("Twice.cs", Scripted));
        CSharpGeneratorDriver.Create(
                new[] { new E3Sharp.Generators.Scripting.ScriptGenerator().AsSourceGenerator(), new E3Sharp.Generators.Tracing.TwinGenerator().AsSourceGenerator(), new GeneratorRanMarker().AsSourceGenerator() },
                parseOptions: GeneratorHarness.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var type = Load("GeneratedConsumer", output);
        using var module = (torch.nn.Module<torch.Tensor, torch.Tensor>)Activator.CreateInstance(type)!;
        using var compiled = TorchScript.Compile(module);
        using var x = torch.tensor(new[] { 1.0, -2.5 });
        using var y = compiled.call(x);
        Assert.Equal(new[] { 2.0, -5.0 }, y.data<double>().ToArray());
    }

    private static IReadOnlyList<(string HintName, string Source)> Run(Compilation compilation)
    {
        var run = CSharpGeneratorDriver.Create(new GeneratorRanMarker()).RunGenerators(compilation).GetRunResult();
        return run.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
    }

    private static Type Load(string assemblyName, Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emitted = compilation.WithAssemblyName(assemblyName).Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(stream.ToArray()).GetType("Consumer.Twice", throwOnError: true)!;
    }
}
