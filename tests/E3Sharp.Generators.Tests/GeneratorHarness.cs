using System.Collections.Immutable;
using E3Sharp.Generators.Scripting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace E3Sharp.Generators.Tests;

/// <summary>Compiles C# snippets through the script generator.</summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var refs = tpa.Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
        return refs.ToImmutableArray();
    });

    // What an SDK project with ImplicitUsings gets (the end-to-end test modules rely on it).
    private const string ImplicitUsings = """
global using System;
global using System.Collections.Generic;
global using System.IO;
global using System.Linq;
global using System.Net.Http;
global using System.Threading;
global using System.Threading.Tasks;
""";

    public sealed record Result(
        GeneratorDriver Driver,
        Compilation Output,
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        IReadOnlyList<(string HintName, string Source)> Generated)
    {
        /// <summary>Errors of the compilation with the generated code (the generated code must compile).</summary>
        public IReadOnlyList<Diagnostic> OutputErrors =>
            Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
    }

    public static CSharpCompilation Compile(params (string Path, string Source)[] files) =>
        CSharpCompilation.Create(
            "Snippets",
            files.Append((Path: "GlobalUsings.cs", Source: ImplicitUsings)).Select(f => CSharpSyntaxTree.ParseText(f.Source, ParseOptions, f.Path)),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static Result Run(params (string Path, string Source)[] files) => Run(Compile(files));

    public static Result Run(string source) => Run(("Module.cs", source));

    public static Result Run(Compilation compilation, GeneratorDriver? driver = null)
    {
        driver ??= CSharpGeneratorDriver.Create(
            new[] { new ScriptGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var run = driver.GetRunResult();
        var crash = run.Results.Select(r => r.Exception).FirstOrDefault(e => e is not null);
        if (crash is not null)
        {
            throw new InvalidOperationException("The generator threw.", crash);
        }

        var generated = run.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
        return new Result(driver, output, diagnostics, generated);
    }

    /// <summary>A module class whose forward body is <paramref name="body"/> (members add fields and helpers).</summary>
    public static string Module(string body, string members = "", string forwardSignature = "public override Tensor forward(Tensor x)",
        string baseType = "nn.Module<Tensor, Tensor>") => $$"""
using System;
using System.Collections.Generic;
using System.Linq;
using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace Snippets;

[CompileMode(JitMode.Script)]
public partial class M : {{baseType}}
{
    private readonly nn.Module<Tensor, Tensor> child = nn.Identity();
    private readonly Tensor weight = torch.ones(3);
    private readonly int size = 3;
    private readonly double scale = 0.5;
    private readonly long[] sizes = { 1, 2 };
{{members}}
    public M() : base("M") => RegisterComponents();

    {{forwardSignature}}
    {
{{body}}
    }
}
""";

    /// <summary>The 1-based line of the first occurrence of <paramref name="marker"/> in <paramref name="source"/>.</summary>
    public static int LineOf(string source, string marker)
    {
        var index = source.IndexOf(marker, StringComparison.Ordinal);
        if (index < 0)
        {
            throw new ArgumentException($"Marker '{marker}' not found.");
        }

        return source[..index].Count(c => c == '\n') + 1;
    }
}
