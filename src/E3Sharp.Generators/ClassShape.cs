using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators;

/// <summary>One type of the chain from the outermost containing type to the class (what a partial part repeats).</summary>
internal sealed record TypeDeclShape(string Name, bool IsRecord, bool IsValueType, bool IsStatic);

/// <summary>
/// Where a generated partial part goes: the class's namespace, its chain of containing types and its display name,
/// as plain values for the pipeline models.
/// </summary>
internal sealed record ClassShape(string DisplayName, string Name, string? Namespace, EquatableArray<TypeDeclShape> Chain)
{
    public static ClassShape Of(INamedTypeSymbol cls)
    {
        var chain = new List<TypeDeclShape>();
        for (var t = cls; t is not null; t = t.ContainingType)
        {
            chain.Insert(0, new TypeDeclShape(t.Name, t.IsRecord, t.IsValueType, t.IsStatic));
        }

        var ns = cls.ContainingNamespace;
        return new ClassShape(cls.ToDisplayString(), cls.Name, ns is { IsGlobalNamespace: false } ? ns.ToDisplayString() : null,
            new EquatableArray<TypeDeclShape>(chain));
    }
}
