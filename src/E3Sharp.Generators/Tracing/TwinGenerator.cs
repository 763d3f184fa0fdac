using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace E3Sharp.Generators.Tracing;

/// <summary>
/// Emits tracing twins: for every partial class deriving from TorchSharp's <c>torch.nn.Module</c> (and every
/// <c>[E3Sharp.Jit.Traceable] static partial</c> helper class), a copy of <c>forward</c> and of the same-class helpers
/// it calls in which tensors are <c>E3Sharp.Jit.Tracing.TraceTensor</c>s that record what runs. Twins register
/// themselves with <c>TraceRegistry</c>; they are implementation-only output (IDEs neither show nor compute them).
/// Errors (E3S050-E3S059) are reported for classes marked <c>[CompileMode(JitMode.Trace)]</c> and for
/// <c>[Traceable]</c> classes; for other modules the reason is recorded and reported if they are ever traced.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TwinGenerator : IIncrementalGenerator
{
    /// <summary>The tracking name of the step that builds a class's <see cref="TwinModel"/>.</summary>
    public const string TwinStep = "E3SharpTwins";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var symbols = context.CompilationProvider.Select(static (c, _) => TwinSymbols.Create(new KnownSymbols(c)));
        var models = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax c && IsCandidate(c),
                static (ctx, _) => ctx)
            .Combine(symbols)
            .Select(static (x, ct) => TwinAnalyzer.Analyze(x.Left, x.Right, ct))
            .WithTrackingName(TwinStep)
            .Where(static m => m is not null);

        // Diagnostics and source come from the model alone.
        context.RegisterImplementationSourceOutput(models, static (spc, model) =>
        {
            foreach (var d in model!.Diagnostics)
            {
                spc.ReportDiagnostic(d.ToDiagnostic());
            }

            if (TwinEmitter.Emit(model) is { } source)
            {
                spc.AddSource(model.HintName, source);
            }
        });
    }

    /// <summary>
    /// The declarations the twin generator looks at: a module class names its base (in at least one of its parts), and
    /// a <c>[Traceable]</c> helper class or a class with a compile mode carries an attribute. Plain classes, and the
    /// parts of a partial class that add neither, are never bound.
    /// </summary>
    internal static bool IsCandidate(ClassDeclarationSyntax c) => c.BaseList is not null || c.AttributeLists.Count > 0;
}
