using System.Collections.Immutable;
using E3Sharp.Generators.Tracing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace E3Sharp.Generators.Tests.Tracing;

/// <summary>Runs the tracing-twin generator on C# snippets.</summary>
public static class TwinHarness
{
    public sealed record Result(Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics,
        IReadOnlyList<(string HintName, string Source)> Generated)
    {
        public IReadOnlyList<Diagnostic> OutputErrors =>
            Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
    }

    public static Result Run(string source, IncrementalGeneratorOutputKind disabled = IncrementalGeneratorOutputKind.None)
    {
        var compilation = GeneratorHarness.Compile(("Module.cs", source));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new TwinGenerator().AsSourceGenerator() },
            parseOptions: GeneratorHarness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(disabled, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var run = driver.GetRunResult();
        var crash = run.Results.Select(r => r.Exception).FirstOrDefault(e => e is not null);
        if (crash is not null)
        {
            throw new InvalidOperationException("The generator threw.", crash);
        }

        return new Result(output, diagnostics,
            run.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList());
    }

    /// <summary>A trace-mode module (or, with <paramref name="attribute"/> empty, a module without a compile mode).</summary>
    public static string Module(string body, string members = "", string attribute = "[CompileMode(JitMode.Trace)]",
        string header = "public partial class M : nn.Module<Tensor, Tensor>") => $$"""
using System;
using System.Collections.Generic;
using System.Linq;
using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Snippets;

{{attribute}}
{{header}}
{
    private readonly Tensor weight = torch.ones(3);
    private readonly int[] sizes = { 1, 2 };
{{members}}
    public M() : base("M") => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
{{body}}
    }
}
""";
}
