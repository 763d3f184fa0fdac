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
/// As System.Text.Json's generator: known symbols are looked up once per compilation, the translator (parser) turns
/// a class into a value-equatable <see cref="ScriptClassModel"/>, and the <see cref="ScriptEmitter"/> writes C# from
/// that model alone, so the pipeline caches the model and re-emits only when it changes. All output goes through
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
        var known = context.CompilationProvider.Select(static (c, _) => new KnownSymbols(c));

        var models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "E3Sharp.Jit.CompileModeAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => ctx)
            .Combine(known)
            .Select(static (x, ct) => ScriptTranslator.Transform(x.Left, x.Right, ct))
            .WithTrackingName(TranslateStep)
            .Where(static m => m is not null);

        context.RegisterImplementationSourceOutput(models, static (spc, m) => Emit(spc, m!));

        // Partial module classes without a compile mode: scripted with a scripted parent, as torch.jit.script
        // scripts children (no diagnostics; a class outside the subset registers why instead).
        var implicitModels = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax c && IsImplicitCandidate(c),
                static (ctx, _) => ctx)
            .Combine(known)
            .Select(static (x, ct) => ScriptTranslator.TransformImplicit(x.Left, x.Right, ct))
            .WithTrackingName(ImplicitStep)
            .Where(static m => m is not null);

        context.RegisterImplementationSourceOutput(implicitModels, static (spc, m) => Emit(spc, m!));
    }

    // Diagnostics and source come from the model alone: nothing here may look at symbols or syntax.
    private static void Emit(SourceProductionContext spc, ScriptClassModel model)
    {
        foreach (var d in model.Diagnostics)
        {
            spc.ReportDiagnostic(d.ToDiagnostic());
        }

        if (ScriptEmitter.Emit(model) is { } source)
        {
            spc.AddSource(model.HintName, source);
        }
    }

    /// <summary>A declaration that may make a module class scriptable with its parent: partial, naming a base.</summary>
    internal static bool IsImplicitCandidate(ClassDeclarationSyntax c) =>
        c.BaseList is not null && c.Modifiers.Any(m => m.ValueText == "partial") &&
        !c.Modifiers.Any(m => m.ValueText is "static" or "abstract");
}
