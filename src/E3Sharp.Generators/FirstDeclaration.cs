using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace E3Sharp.Generators;

/// <summary>Picks one declaration per class for the generators' syntax pipelines.</summary>
internal static class FirstDeclaration
{
    /// <summary>
    /// The class that the pipeline's class declaration declares, when that declaration is the first of the class's
    /// declarations that <paramref name="selected"/> (the pipeline's syntax predicate) accepts, else null: a partial
    /// class has several declarations, and each generator produces one result per class.
    /// </summary>
    public static INamedTypeSymbol? ClassOf(GeneratorSyntaxContext ctx, Func<ClassDeclarationSyntax, bool> selected, CancellationToken ct)
    {
        var decl = (ClassDeclarationSyntax)ctx.Node;
        if (ctx.SemanticModel.GetDeclaredSymbol(decl, ct) is not INamedTypeSymbol cls)
        {
            return null;
        }

        var first = cls.DeclaringSyntaxReferences
            .FirstOrDefault(r => r.GetSyntax(ct) is ClassDeclarationSyntax c && selected(c));
        return first is not null && first.SyntaxTree == decl.SyntaxTree && first.Span == decl.Span ? cls : null;
    }
}
