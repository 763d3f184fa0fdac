using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;

namespace E3Sharp.Generators.Tracing;

/// <summary>The twin of a call: torch functions, submodules, same-class helpers, [Traceable] helpers, TorchSharp methods.</summary>
internal sealed partial class TwinRewriter
{
    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        if (node.Expression is IdentifierNameSyntax { Identifier.Text: "nameof" })
        {
            return node;
        }

        var method = _model.GetSymbolInfo(node).Symbol as IMethodSymbol;
        if (method is null)
        {
            return base.VisitInvocationExpression(node);
        }

        var containing = method.ContainingType;
        var memberAccess = node.Expression as MemberAccessExpressionSyntax;
        var receiver = memberAccess?.Expression;
        var implicitThis = receiver is null || receiver is ThisExpressionSyntax;
        var isBase = receiver is BaseExpressionSyntax;

        if (method.MethodKind is MethodKind.LocalFunction or MethodKind.DelegateInvoke or MethodKind.AnonymousFunction)
        {
            return base.VisitInvocationExpression(node);
        }

        // torch.X(...), torch.nn.functional.X(...), also through 'using static'
        if (method.IsStatic && _syms.TorchPath(containing) is { } path)
        {
            return TorchCall(node, method, path);
        }

        // methods of the tensor itself (and TorchSharp's and E3Sharp.Jit.TensorExtensions' extension methods on
        // tensors: the twin binds them to TraceTensor's method of the same name)
        var reduced = method.ReducedFrom;
        if ((!method.IsStatic && _syms.IsTensor(containing)) ||
            (reduced is not null && _syms.IsTensor(method.ReceiverType) &&
             (containing.ContainingNamespace?.ToDisplayString().StartsWith("TorchSharp", StringComparison.Ordinal) == true ||
              containing.ToDisplayString() == TwinSymbols.TensorExtensionsName)))
        {
            if (!_syms.TraceTensorMembers.Contains(method.Name))
            {
                Report(Descriptors.TraceTensorMember, node, Short(node), method.Name, _where);
            }

            return base.VisitInvocationExpression(node);
        }

        var tensorSig = _syms.HasTensorSignature(method);

        // same class (or base class) methods
        if ((implicitThis || isBase) && IsSelfOrBase(containing))
        {
            var isTorchSharp = containing.ContainingNamespace?.ToDisplayString().StartsWith("TorchSharp", StringComparison.Ordinal) == true;
            if (isTorchSharp)
            {
                return TorchSharpMethod(node, method);
            }

            if (!tensorSig)
            {
                return base.VisitInvocationExpression(node);
            }

            if (!isBase && TwinSymbols.Same(containing.OriginalDefinition, _class.OriginalDefinition))
            {
                _needTwin(method.OriginalDefinition);
                return RenameCallee((InvocationExpressionSyntax)base.VisitInvocationExpression(node)!);
            }

            if (method.IsStatic)
            {
                Report(Descriptors.TraceUntraceableMethod, node, Short(node), _where);
                return base.VisitInvocationExpression(node);
            }

            return RuntimeCall(node, method, $"CallBase<{TwinReturn(method)}>", $"this, typeof({containing.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}), \"{method.Name}\"");
        }

        // submodules: child.forward(...), child.call(...), child.Helper(...)
        if (!method.IsStatic && _syms.IsModule(containing) && receiver is not null)
        {
            if (tensorSig || method.Name is "forward" or "call")
            {
                var name = method.Name == "call" ? "forward" : method.Name;
                var recv = ((ExpressionSyntax)Visit(receiver)!).WithoutTrivia().ToFullString();
                return RuntimeCall(node, method, $"CallModule<{TwinReturn(method)}>", $"{recv}, \"{name}\"");
            }

            return base.VisitInvocationExpression(node);
        }

        if (!tensorSig)
        {
            return base.VisitInvocationExpression(node);
        }

        // [Traceable] helper classes (static methods, also called as extension methods)
        if (method.IsStatic || reduced is not null)
        {
            var definition = reduced ?? method;
            if (_syms.IsTraceable(definition.ContainingType))
            {
                return TraceableCall(node, method, definition);
            }
        }

        // generic BCL code (collections, LINQ) over tensors
        var ns = containing.ContainingNamespace?.ToDisplayString() ?? "";
        if (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal))
        {
            return base.VisitInvocationExpression(node);
        }

        // TorchSharp's own helpers (module methods on another object, ...)
        if (ns.StartsWith("TorchSharp", StringComparison.Ordinal))
        {
            return TorchSharpMethod(node, method);
        }

        // an external check (void or string result): runs on the real tensors, cannot change the trace
        if ((method.ReturnsVoid || method.ReturnType.SpecialType == SpecialType.System_String) &&
            method.Parameters.All(p => !_syms.ContainsTensor(p.Type) || (_syms.IsTensor(p.Type) && p.RefKind == RefKind.None)))
        {
            return UnwrapTensorArguments(node, method);
        }

        Report(Descriptors.TraceUntraceableMethod, node, Short(node), _where);
        return base.VisitInvocationExpression(node);
    }

    private SyntaxNode TorchCall(InvocationExpressionSyntax node, IMethodSymbol method, List<string> path)
    {
        var display = (path.Count == 0 ? "" : string.Join(".", path) + ".") + method.Name;
        if (RandomFunctions.Contains(method.Name))
        {
            Report(Descriptors.TraceRandom, node, Short(node), _where);
            return base.VisitInvocationExpression(node)!;
        }

        var mirror = _syms.TraceTorchMirror(path);
        if (mirror is not null && mirror.GetMembers(method.Name).Any())
        {
            var rewritten = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
            var typeArgs = node.Expression switch
            {
                MemberAccessExpressionSyntax { Name: GenericNameSyntax g } => g.TypeArgumentList.ToString(),
                GenericNameSyntax g => g.TypeArgumentList.ToString(),
                _ => "",
            };
            var target = TwinSymbols.TraceTorchName + (path.Count == 0 ? "" : "." + string.Join(".", path)) + "." + method.Name + typeArgs;
            var callee = SyntaxFactory.ParseExpression(target).WithTriviaFrom(rewritten.Expression);
            return rewritten.WithExpression(callee);
        }

        if (_syms.HasTensorSignature(method) && method.Parameters.Any(p => _syms.ContainsTensor(p.Type)))
        {
            Report(Descriptors.TraceTorchFunction, node, Short(node), display, _where);
            return base.VisitInvocationExpression(node)!;
        }

        // A factory without tensor arguments (torch.tensor(...), torch.eye(n)): its result is a constant.
        var visited = base.VisitInvocationExpression(node)!;
        if (_syms.ContainsTensor(method.ReturnType))
        {
            return LiftResult(node, method.ReturnType, visited);
        }

        return visited;
    }

    private SyntaxNode TorchSharpMethod(InvocationExpressionSyntax node, IMethodSymbol method)
    {
        var visited = base.VisitInvocationExpression(node)!;
        if (method.Parameters.Any(p => _syms.ContainsTensor(p.Type)))
        {
            Report(Descriptors.TraceUntraceableMethod, node, Short(node), _where);
            return visited;
        }

        return _syms.ContainsTensor(method.ReturnType) ? LiftResult(node, method.ReturnType, visited) : visited;
    }

    private SyntaxNode LiftResult(ExpressionSyntax original, ITypeSymbol type, SyntaxNode rewritten) =>
        Lift(original, type, rewritten, $"its result of type {type.ToDisplayString()} holds tensors in a form the tracer cannot lift");

    // Wraps a tensor, Tensor[] or List<Tensor> value read from outside the trace in TraceRuntime.Lift/LiftArray/
    // LiftList; reports E3S059 with `problem` for any other type holding tensors.
    private SyntaxNode Lift(ExpressionSyntax original, ITypeSymbol type, SyntaxNode rewritten, string problem)
    {
        string? helper = type switch
        {
            _ when _syms.IsTensor(type) => "Lift",
            IArrayTypeSymbol { Rank: 1 } a when _syms.IsTensor(a.ElementType) => "LiftArray",
            INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } n when _syms.IsTensor(n.TypeArguments[0]) && IsListLike(n) => "LiftList",
            _ => null,
        };
        if (helper is null)
        {
            Report(Descriptors.TraceUnsupported, original, Short(original), problem, _where);
            return rewritten;
        }

        var text = $"{TwinSymbols.RuntimeName}.{helper}({((ExpressionSyntax)rewritten).WithoutTrivia().ToFullString()})";
        if (helper == "Lift" && type.NullableAnnotation != NullableAnnotation.Annotated)
        {
            text += "!";
        }

        return Parse(text, original);
    }

    private static SyntaxNode RenameCallee(InvocationExpressionSyntax rewritten)
    {
        SimpleNameSyntax Rename(SimpleNameSyntax n) => n.WithIdentifier(
            SyntaxFactory.Identifier("__trace_" + n.Identifier.ValueText).WithTriviaFrom(n.Identifier));
        return rewritten.Expression switch
        {
            SimpleNameSyntax s => rewritten.WithExpression(Rename(s)),
            MemberAccessExpressionSyntax m => rewritten.WithExpression(m.WithName(Rename(m.Name))),
            _ => rewritten,
        };
    }

    private string TwinReturn(IMethodSymbol method) =>
        method.ReturnsVoid ? "object?" : _syms.TwinTypeName(method.ReturnType);

    /// <summary>The arguments in parameter order (defaults filled in), rewritten.</summary>
    private List<string>? OrderedArguments(InvocationExpressionSyntax node, IMethodSymbol method)
    {
        if (_model.GetOperation(node) is not IInvocationOperation op)
        {
            return null;
        }

        var result = new List<string>();
        foreach (var arg in op.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? 0))
        {
            if (arg.ArgumentKind == ArgumentKind.ParamArray)
            {
                return null;
            }

            if (arg.ArgumentKind == ArgumentKind.DefaultValue)
            {
                var p = arg.Parameter!;
                var literal = p.HasExplicitDefaultValue && p.ExplicitDefaultValue is not null
                    ? SymbolDisplay.FormatPrimitive(p.ExplicitDefaultValue, true, false)
                    : null;
                result.Add(literal is null
                    ? $"default({_syms.TwinTypeName(p.Type)})"
                    : p.Type.TypeKind == TypeKind.Enum
                        ? $"({p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}){literal}"
                        : literal);
                continue;
            }

            if (arg.Syntax is ArgumentSyntax a)
            {
                result.Add(((ExpressionSyntax)Visit(a.Expression)!).ToString());
            }
            else
            {
                return null;
            }
        }

        return result;
    }

    private SyntaxNode RuntimeCall(InvocationExpressionSyntax node, IMethodSymbol method, string helper, string prefix)
    {
        var args = OrderedArguments(node, method);
        if (args is null)
        {
            Report(Descriptors.TraceUnsupported, node, Short(node), "this call's arguments cannot be passed through the tracer (params arrays are not supported)", _where);
            return base.VisitInvocationExpression(node)!;
        }

        var text = $"{TwinSymbols.RuntimeName}.{helper}({prefix}{string.Concat(args.Select(a => ", " + a))})";
        return Parse(text, node);
    }

    private SyntaxNode TraceableCall(InvocationExpressionSyntax node, IMethodSymbol method, IMethodSymbol definition)
    {
        var type = definition.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var rewritten = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
        var typeArgs = node.Expression switch
        {
            MemberAccessExpressionSyntax { Name: GenericNameSyntax g } => g.TypeArgumentList.ToString(),
            GenericNameSyntax g => g.TypeArgumentList.ToString(),
            _ => "",
        };
        var callee = $"{type}.__trace_{definition.Name}{typeArgs}";
        if (method.ReducedFrom is not null && rewritten.Expression is MemberAccessExpressionSyntax ma)
        {
            var recv = ma.Expression.WithoutTrivia().ToFullString();
            var inner = rewritten.ArgumentList.ToFullString().Trim();
            var rest = inner.Substring(1).TrimStart();
            var text = callee + "(" + recv + (rest.StartsWith(")", StringComparison.Ordinal) ? "" : ", ") + rest;
            return Parse(text, node);
        }

        return rewritten.WithExpression(SyntaxFactory.ParseExpression(callee).WithTriviaFrom(rewritten.Expression));
    }

    private SyntaxNode UnwrapTensorArguments(InvocationExpressionSyntax node, IMethodSymbol method)
    {
        var rewritten = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
        if (_model.GetOperation(node) is not IInvocationOperation op)
        {
            return rewritten;
        }

        var args = rewritten.ArgumentList.Arguments;
        var originals = node.ArgumentList.Arguments;
        for (var i = 0; i < originals.Count; i++)
        {
            var argOp = op.Arguments.FirstOrDefault(a => a.Syntax == originals[i]);
            if (argOp?.Parameter is { } p && _syms.IsTensor(p.Type))
            {
                var e = args[i].Expression;
                args = args.Replace(args[i], args[i].WithExpression(
                    Parse($"{TwinSymbols.RuntimeName}.Eager({e.WithoutTrivia().ToFullString()})", originals[i].Expression)));
            }
        }

        return rewritten.WithArgumentList(rewritten.ArgumentList.WithArguments(args));
    }
}
