using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;

namespace E3Sharp.Generators.Tracing;

/// <summary>
/// Rewrites one method of a module (or [Traceable]) class into its tracing twin: tensor types become TraceTensor,
/// torch functions go to TraceTorch, submodule calls to TraceRuntime.CallModule, same-class helpers to their twins,
/// tensor fields and properties are lifted into the trace. Decisions use the semantic model of the original tree;
/// line structure is preserved so #line directives map the twin to the user's lines.
/// </summary>
internal sealed partial class TwinRewriter : CSharpSyntaxRewriter
{
    private static readonly HashSet<string> RandomFunctions = new(StringComparer.Ordinal)
    {
        "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "poisson", "rand_like",
        "randn_like", "randint_like",
    };

    private readonly SemanticModel _model;
    private readonly TwinSymbols _syms;
    private readonly INamedTypeSymbol _class;
    private readonly List<DiagInfo> _diagnostics;
    private readonly Action<IMethodSymbol> _needTwin;
    private readonly string _where;

    public TwinRewriter(SemanticModel model, TwinSymbols syms, INamedTypeSymbol cls, List<DiagInfo> diagnostics,
        Action<IMethodSymbol> needTwin)
        : base(visitIntoStructuredTrivia: false)
    {
        _model = model;
        _syms = syms;
        _class = cls;
        _diagnostics = diagnostics;
        _needTwin = needTwin;
        _where = cls.Name;
    }

    private void Report(string id, SyntaxNode node, params string[] args) =>
        _diagnostics.Add(DiagInfo.Create(id, node, args));

    private static string Short(SyntaxNode node)
    {
        var s = node.ToString().Replace("\r", " ").Replace("\n", " ");
        while (s.Contains("  "))
        {
            s = s.Replace("  ", " ");
        }

        return s.Length > 80 ? s.Substring(0, 77) + "..." : s;
    }

    private static ExpressionSyntax Parse(string text, SyntaxNode original)
    {
        // Keep the line structure: lost newlines (e.g. in a fluent chain) are appended so later lines stay in place.
        var originalLines = CountNewLines(original.ToString());
        var newLines = CountNewLines(text);
        var expr = SyntaxFactory.ParseExpression(text).WithTriviaFrom(original);
        if (newLines < originalLines)
        {
            expr = expr.WithTrailingTrivia(expr.GetTrailingTrivia().AddRange(
                Enumerable.Range(0, originalLines - newLines).Select(_ => SyntaxFactory.EndOfLine("\n"))));
        }

        return expr;
    }

    private static int CountNewLines(string s) => s.Count(c => c == '\n');

    private bool IsSelfOrBase(INamedTypeSymbol? type)
    {
        for (var t = _class; t is not null; t = t.BaseType)
        {
            if (TwinSymbols.Same(t.OriginalDefinition, type?.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInNameof(SyntaxNode node) =>
        node.Ancestors().OfType<InvocationExpressionSyntax>().Any(i =>
            i.Expression is IdentifierNameSyntax { Identifier.Text: "nameof" });

    private static bool IsWriteTarget(ExpressionSyntax node)
    {
        SyntaxNode n = node;
        while (n.Parent is ParenthesizedExpressionSyntax)
        {
            n = n.Parent;
        }

        return n.Parent switch
        {
            AssignmentExpressionSyntax a => a.Left == n,
            PrefixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression),
            PostfixUnaryExpressionSyntax => true,
            ArgumentSyntax arg => !arg.RefKindKeyword.IsKind(SyntaxKind.None),
            _ => false,
        };
    }

    private bool InsideModuleTypeArguments(SyntaxNode node)
    {
        foreach (var list in node.Ancestors().OfType<TypeArgumentListSyntax>())
        {
            if (list.Parent is GenericNameSyntax g && _model.GetSymbolInfo(g).Symbol is ITypeSymbol t && _syms.IsModule(t))
            {
                return true;
            }
        }

        return false;
    }

    private SyntaxNode TensorType(SyntaxNode original) =>
        SyntaxFactory.ParseTypeName(TwinSymbols.TraceTensorName).WithTriviaFrom(original);

    // ----------------------------------------------------------------------------------------------------------------
    // Types

    public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node)
    {
        if (node.IsVar || IsInNameof(node))
        {
            return node;
        }

        var symbol = _model.GetSymbolInfo(node).Symbol;
        if (symbol is ITypeSymbol type)
        {
            return _syms.IsTensor(type) && !InsideModuleTypeArguments(node) ? TensorType(node) : node;
        }

        if (node.Parent is MemberAccessExpressionSyntax ma && ma.Name == node)
        {
            return node;
        }

        if (node.Parent is InvocationExpressionSyntax inv && inv.Expression == node)
        {
            return node;
        }

        return LiftMember(node, symbol, node);
    }

    public override SyntaxNode? VisitQualifiedName(QualifiedNameSyntax node)
    {
        if (_model.GetSymbolInfo(node).Symbol is ITypeSymbol type && _syms.IsTensor(type) && !InsideModuleTypeArguments(node))
        {
            return TensorType(node);
        }

        return base.VisitQualifiedName(node);
    }

    public override SyntaxNode? VisitAliasQualifiedName(AliasQualifiedNameSyntax node)
    {
        if (_model.GetSymbolInfo(node).Symbol is ITypeSymbol type && _syms.IsTensor(type) && !InsideModuleTypeArguments(node))
        {
            return TensorType(node);
        }

        return base.VisitAliasQualifiedName(node);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Fields and properties holding tensors: lifted into the trace

    private SyntaxNode LiftMember(ExpressionSyntax original, ISymbol? symbol, SyntaxNode rewritten)
    {
        ITypeSymbol? type = symbol switch
        {
            IFieldSymbol f => f.Type,
            IPropertySymbol p => p.Type,
            _ => null,
        };
        if (type is null || !_syms.ContainsTensor(type) || IsInNameof(original))
        {
            return rewritten;
        }

        if (_syms.IsTensor(symbol!.ContainingType))
        {
            return rewritten; // a member of the tensor itself (x.T, x.grad): TraceTensor's own member
        }

        if (IsWriteTarget(original))
        {
            Report(Descriptors.TraceStateWrite, original, Short(original.Parent ?? original), symbol.Name, _where);
            return rewritten;
        }

        return Lift(original, type, rewritten,
            $"the member '{symbol.Name}' of type {type.ToDisplayString()} holds tensors in a form the tracer cannot lift (use a Tensor, Tensor[] or List<Tensor>)");
    }

    private static bool IsListLike(INamedTypeSymbol n)
    {
        var name = n.ConstructedFrom.ToDisplayString();
        return name is "System.Collections.Generic.List<T>" or "System.Collections.Generic.IList<T>"
            or "System.Collections.Generic.IReadOnlyList<T>" or "System.Collections.Generic.IEnumerable<T>"
            or "System.Collections.Generic.ICollection<T>" or "System.Collections.Generic.IReadOnlyCollection<T>";
    }

    public override SyntaxNode? VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
    {
        var symbol = _model.GetSymbolInfo(node).Symbol;
        if (symbol is ITypeSymbol type && _syms.IsTensor(type) && !InsideModuleTypeArguments(node))
        {
            return TensorType(node);
        }

        var rewritten = base.VisitMemberAccessExpression(node)!;
        if (node.Parent is InvocationExpressionSyntax inv && inv.Expression == node)
        {
            return rewritten;
        }

        if (symbol is IFieldSymbol or IPropertySymbol && _syms.IsTensor(symbol.ContainingType) && !symbol.IsStatic &&
            !_syms.TraceTensorMembers.Contains(symbol.Name))
        {
            Report(Descriptors.TraceTensorMember, node, Short(node), symbol.Name, _where);
            return rewritten;
        }

        return LiftMember(node, symbol, rewritten);
    }

    public override SyntaxNode? VisitAssignmentExpression(AssignmentExpressionSyntax node) => base.VisitAssignmentExpression(node);
}
