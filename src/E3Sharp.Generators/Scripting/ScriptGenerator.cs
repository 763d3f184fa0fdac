using Microsoft.CodeAnalysis;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace E3Sharp.Generators.Scripting;

/// <summary>
/// The scripting generator: for every partial class marked <c>[CompileMode(JitMode.Script)]</c>, translates its
/// <c>forward</c> (and the same-class helpers it calls) into C# that builds TorchScript IR methods when the module is
/// scripted, registered with <c>E3Sharp.Jit.Scripting.ScriptRegistry</c> by a module initializer. Code outside the
/// supported subset is reported as errors E3S001–E3S049 at its location (see docs/scripting-subset.md).
/// </summary>
/// <remarks>
/// The pipeline models are value-equatable (strings and plain diagnostic records), and all output goes through
/// <c>RegisterImplementationSourceOutput</c>: user code never references the generated members, so IDE hosts may skip
/// the translation; builds run it and report the diagnostics.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class ScriptGenerator : IIncrementalGenerator
{
    /// <summary>The tracking name of the translation step (for incremental-generator tests).</summary>
    public const string TranslateStep = "E3Sharp.Script.Translate";

    /// <summary>The tracking name of the step translating partial module classes without a compile mode.</summary>
    public const string ImplicitStep = "E3Sharp.Script.TranslateImplicit";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "E3Sharp.Jit.CompileModeAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => ScriptTranslator.Transform(ctx, ct))
            .Where(static r => r is not null)
            .WithTrackingName(TranslateStep);

        context.RegisterImplementationSourceOutput(results, static (spc, r) =>
        {
            foreach (var d in r!.Diagnostics)
            {
                spc.ReportDiagnostic(d.ToDiagnostic());
            }

            if (r.Source is not null)
            {
                spc.AddSource(r.HintName, r.Source);
            }
        });

        // Partial module classes without a compile mode: scripted with a scripted parent, as torch.jit.script
        // scripts children (no diagnostics; a class outside the subset registers why instead).
        var implicitResults = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax c && IsImplicitCandidate(c),
                static (ctx, ct) => ScriptTranslator.TransformImplicit(ctx, ct))
            .Where(static r => r is not null)
            .WithTrackingName(ImplicitStep);

        context.RegisterImplementationSourceOutput(implicitResults, static (spc, r) =>
        {
            if (r!.Source is not null)
            {
                spc.AddSource(r.HintName, r.Source);
            }
        });
    }

    /// <summary>A declaration that may make a module class scriptable with its parent: partial, naming a base.</summary>
    internal static bool IsImplicitCandidate(ClassDeclarationSyntax c) =>
        c.BaseList is not null && c.Modifiers.Any(m => m.ValueText == "partial") &&
        !c.Modifiers.Any(m => m.ValueText is "static" or "abstract");
}
