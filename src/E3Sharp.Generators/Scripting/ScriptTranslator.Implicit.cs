using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace E3Sharp.Generators.Scripting;

internal sealed partial class ScriptTranslator
{
    /// <summary>
    /// The pipeline transform for a partial module class without a compile mode (none on it or a base class): as
    /// <c>torch.jit.script</c> scripts the children of a scripted module, such a class is translated too, so that a
    /// scripted parent can script it with itself. Nothing is reported: a class outside the scripting subset instead
    /// registers why, and a scripted parent's error names the class and that reason. Null for any other class.
    /// </summary>
    public static ScriptClassModel? TransformImplicit(GeneratorSyntaxContext ctx, KnownSymbols known, CancellationToken ct)
    {
        if (FirstDeclaration.ClassOf(ctx, ScriptGenerator.IsImplicitCandidate, ct) is not { } cls)
        {
            return null;
        }

        var decl = (ClassDeclarationSyntax)ctx.Node;

        if (known.Tensor is not { } tensor || known.Torch is not { } torch || known.Module is not { } module ||
            known.ScriptRegistry is null ||
            !DerivesFrom(cls, module) || HasCompileMode(cls) || cls.IsAbstract)
        {
            return null;
        }

        // Code can be added only to a partial, non-generic class reachable from a module initializer.
        for (var t = cls; t is not null; t = t.ContainingType)
        {
            var partial = t.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<TypeDeclarationSyntax>()
                .All(d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!partial || t.TypeParameters.Length > 0 ||
                t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            {
                return null;
            }
        }

        var forwards = cls.GetMembers("forward").OfType<IMethodSymbol>()
            .Where(m => !m.IsStatic && m.DeclaringSyntaxReferences.Length > 0).ToList();
        if (forwards.Count != 1)
        {
            return null; // none: a base class's translation (if any) serves; several: not a forward we can pick
        }

        var translator = new ScriptTranslator(known, cls, tensor, torch, ct);
        var methods = translator.Run(decl);
        var hint = HintName(cls);
        if (translator._diags.Count == 0)
        {
            return methods is null ? null : Model(hint, cls, decl, methods, null, [], ct);
        }

        var reasons = translator._diags.Select(d => $"{d.Message} ({System.IO.Path.GetFileName(d.Path)}:{d.LineSpan.Start.Line + 1})")
            .Distinct().Take(3).ToList();
        return Model(hint, cls, decl, [], string.Join(" ", reasons), [], ct);
    }

    private static bool HasCompileMode(INamedTypeSymbol cls)
    {
        for (var t = cls; t is not null; t = t.BaseType)
        {
            if (t.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == CompileModeAttribute))
            {
                return true;
            }
        }

        return false;
    }
}
