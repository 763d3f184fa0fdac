using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace E3Sharp.Generators;

/// <summary>Picks one declaration per class for the generators' syntax pipelines.</summary>
internal static class FirstDeclaration
{
    /// <summary>
    /// The class that the pipeline's class declaration declares, when that declaration is the class's first one, else
    /// null: a partial class has several declarations, and each generator produces one result per class.
    /// </summary>
    public static INamedTypeSymbol? ClassOf(GeneratorSyntaxContext ctx, CancellationToken ct)
    {
        var decl = (ClassDeclarationSyntax)ctx.Node;
        if (ctx.SemanticModel.GetDeclaredSymbol(decl, ct) is not INamedTypeSymbol cls)
        {
            return null;
        }

        var first = cls.DeclaringSyntaxReferences.FirstOrDefault();
        return first is not null && first.SyntaxTree == decl.SyntaxTree && first.Span == decl.Span ? cls : null;
    }
}
