using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using E3Sharp.Generators.Diagnostics;

namespace E3Sharp.Generators.Tracing;

/// <summary>The twin generator's parser: finds a class's forward methods (or a [Traceable] class's tensor methods),
/// twins them and the same-class helpers they call, and returns the class's <see cref="TwinModel"/>, from which
/// <see cref="TwinEmitter"/> writes the generated partial class.</summary>
internal static class TwinAnalyzer
{
    public static TwinModel? Analyze(GeneratorSyntaxContext context, TwinSymbols? syms, CancellationToken ct)
    {
        if (syms is null || FirstDeclaration.ClassOf(context, TwinGenerator.IsCandidate, ct) is not { } cls)
        {
            return null;
        }

        var decl = (ClassDeclarationSyntax)context.Node;

        var isModule = syms.IsModule(cls);
        var traceable = syms.IsTraceable(cls);
        if (!isModule && !traceable)
        {
            return null;
        }

        var strict = traceable || syms.IsTraceMode(cls);
        var hint = HintName(cls);
        var shape = ClassShape.Of(cls);
        var diagnostics = new List<DiagInfo>();

        // partial (and every containing type), non-generic
        for (var t = cls; t is not null; t = t.ContainingType)
        {
            if (!IsPartial(t))
            {
                if (strict)
                {
                    diagnostics.Add(DiagInfo.Create(traceable ? Descriptors.TraceableNotStaticPartial : Descriptors.TraceNotPartial, decl.Identifier.Parent!, cls.Name, t.Name));
                    return TwinModel.Errors(hint, shape, diagnostics.ToArray());
                }

                return null;
            }

            if (t.IsGenericType)
            {
                if (strict)
                {
                    diagnostics.Add(DiagInfo.Create(Descriptors.TraceGeneric, decl, cls.Name));
                    return TwinModel.Errors(hint, shape, diagnostics.ToArray());
                }

                return null;
            }
        }

        if (traceable && !cls.IsStatic)
        {
            diagnostics.Add(DiagInfo.Create(Descriptors.TraceableNotStaticPartial, decl, cls.Name));
            return TwinModel.Errors(hint, shape, diagnostics.ToArray());
        }

        var roots = cls.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.MethodKind == MethodKind.Ordinary && !m.IsAbstract && !m.IsExtern && m.DeclaringSyntaxReferences.Length > 0)
            .Where(m => traceable
                ? m.IsStatic && syms.HasTensorSignature(m)
                : !m.IsStatic && (m.Name == "forward" || IsExported(m)) && m.Parameters.Length > 0 &&
                  m.Parameters.Any(p => syms.ContainsTensor(p.Type)))
            .ToList();
        if (roots.Count == 0)
        {
            if (strict && !traceable && !HasInheritedForward(cls, syms))
            {
                diagnostics.Add(DiagInfo.Create(Descriptors.TraceNoForward, decl, cls.Name));
                return TwinModel.Errors(hint, shape, diagnostics.ToArray());
            }

            return null;
        }

        var queue = new Queue<IMethodSymbol>(roots);
        var seen = new HashSet<IMethodSymbol>(roots, SymbolEqualityComparer.Default);
        var twins = new List<(IMethodSymbol Method, string Text)>();
        var usings = new List<string>();
        while (queue.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var m = queue.Dequeue();
            if (m.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is not MethodDeclarationSyntax syntax ||
                (syntax.Body is null && syntax.ExpressionBody is null))
            {
                continue;
            }

            var model = context.SemanticModel.Compilation.GetSemanticModel(syntax.SyntaxTree);
            if (model.GetDiagnostics(syntax.Span, ct).Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                return null; // the user's code does not compile: the compiler reports it
            }

            var rewriter = new TwinRewriter(model, syms, cls, diagnostics, callee =>
            {
                if (seen.Add(callee))
                {
                    queue.Enqueue(callee);
                }
            });
            twins.Add((m, EmitMethod(syntax, (MethodDeclarationSyntax)rewriter.Visit(syntax), m, traceable)));
            foreach (var u in syntax.SyntaxTree.GetCompilationUnitRoot(ct).Usings)
            {
                if (u.GlobalKeyword.IsKind(SyntaxKind.None))
                {
                    var text = u.WithoutTrivia().ToFullString();
                    if (!usings.Contains(text))
                    {
                        usings.Add(text);
                    }
                }
            }
        }

        if (diagnostics.Count > 0)
        {
            if (strict)
            {
                return TwinModel.Errors(hint, shape, diagnostics.ToArray());
            }

            var reason = string.Join("; ", diagnostics.Select(d => d.Describe()));
            return new TwinModel(hint, shape, default, default, reason, default);
        }

        var members = new List<string>();
        if (!traceable)
        {
            members.Add(Registration(cls, twins.Select(t => t.Method).ToList(), syms));
        }

        members.AddRange(twins.Select(t => t.Text));
        var twinModel = new TwinModel(hint, shape, new EquatableArray<string>(usings), new EquatableArray<string>(members), null, default);
        if (!strict && FirstCompileError(context.SemanticModel.Compilation, decl, TwinEmitter.Emit(twinModel)!, hint, ct) is { } error)
        {
            // A module that did not ask for tracing must never break the build: record why it cannot be traced.
            return new TwinModel(hint, shape, default, default, error, default);
        }

        return twinModel;
    }

    /// <summary>The first compile error of the generated twins (mapped to the user's line), ignoring references to
    /// other classes' twins, which are generated separately.</summary>
    private static string? FirstCompileError(Compilation compilation, ClassDeclarationSyntax decl, string source, string hint, CancellationToken ct)
    {
        var tree = CSharpSyntaxTree.ParseText(source, (CSharpParseOptions)decl.SyntaxTree.Options, hint, cancellationToken: ct);
        var model = compilation.AddSyntaxTrees(tree).GetSemanticModel(tree);
        foreach (var d in model.GetDiagnostics(cancellationToken: ct))
        {
            if (d.Severity != DiagnosticSeverity.Error || d.GetMessage().Contains("__trace_"))
            {
                continue;
            }

            var span = d.Location.GetMappedLineSpan();
            return $"{System.IO.Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): " +
                   $"the tracing twin does not compile: {d.Id}: {d.GetMessage()}";
        }

        return null;
    }

    private static bool HasInheritedForward(INamedTypeSymbol cls, TwinSymbols syms)
    {
        for (var t = cls.BaseType; t is not null; t = t.BaseType)
        {
            if (t.GetMembers("forward").OfType<IMethodSymbol>().Any(m => !m.IsAbstract && m.Parameters.Any(p => syms.ContainsTensor(p.Type)) &&
                                                                         t.ContainingNamespace?.ToDisplayString().StartsWith("TorchSharp", StringComparison.Ordinal) != true))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPartial(INamedTypeSymbol t) =>
        t.DeclaringSyntaxReferences.Length > 0 &&
        t.DeclaringSyntaxReferences.All(r => r.GetSyntax() is TypeDeclarationSyntax td && td.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static string HintName(INamedTypeSymbol cls)
    {
        var name = cls.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "");
        var sb = new StringBuilder();
        foreach (var c in name)
        {
            sb.Append(char.IsLetterOrDigit(c) || c == '.' ? c : '_');
        }

        return sb + ".Twin.g.cs";
    }

    private static string Literal(string s) => SymbolDisplay.FormatLiteral(s, quote: true);

    private static string EmitMethod(MethodDeclarationSyntax original, MethodDeclarationSyntax rewritten, IMethodSymbol method, bool traceable)
    {
        var sb = new StringBuilder();
        var modifiers = traceable
            ? string.Join(" ", original.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword) && !m.IsKind(SyntaxKind.AsyncKeyword)).Select(m => m.Text))
            : (method.IsStatic ? "private static" : "private");
        sb.Append("    [global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]\n");
        sb.Append("    ").Append(modifiers).Append(' ')
            .Append(rewritten.ReturnType.WithoutTrivia().ToFullString()).Append(' ')
            .Append("__trace_").Append(original.Identifier.ValueText)
            .Append(rewritten.TypeParameterList?.WithoutTrivia().ToFullString() ?? "")
            .Append(rewritten.ParameterList.WithoutTrivia().ToFullString());
        foreach (var c in rewritten.ConstraintClauses)
        {
            sb.Append(' ').Append(c.WithoutTrivia().ToFullString());
        }

        sb.Append('\n');
        SyntaxNode body = rewritten.Body is not null ? rewritten.Body : rewritten.ExpressionBody!;
        var originalBody = (SyntaxNode?)original.Body ?? original.ExpressionBody!;
        var span = originalBody.GetLocation().GetLineSpan();
        var path = original.SyntaxTree.FilePath;
        sb.Append("#line ").Append(span.StartLinePosition.Line + 1).Append(' ').Append(Literal(path)).Append('\n');
        sb.Append(new string(' ', span.StartLinePosition.Character));
        sb.Append(body.WithoutLeadingTrivia().WithoutTrailingTrivia().ToFullString());
        if (rewritten.Body is null)
        {
            sb.Append(';');
        }

        sb.Append("\n#line default\n");
        return sb.ToString();
    }

    // [Export] methods of a traced module are traced as extra TorchScript methods (Tracer.Trace), so they get twins.
    private static bool IsExported(IMethodSymbol m) =>
        m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "E3Sharp.Jit.Scripting.ExportAttribute");

    private static string Registration(INamedTypeSymbol cls, List<IMethodSymbol> methods, TwinSymbols syms)
    {
        var calls = new List<string>();
        foreach (var m in methods)
        {
            if (m.IsStatic || m.IsGenericMethod || m.Parameters.Any(p => p.RefKind != RefKind.None || p.IsParams))
            {
                continue;
            }

            var args = string.Join(", ", m.Parameters.Select((p, i) =>
            {
                var type = syms.TwinTypeName(p.Type);
                var nullable = p.Type.NullableAnnotation == NullableAnnotation.Annotated || p.Type.IsReferenceType && p.NullableAnnotation == NullableAnnotation.Annotated;
                return $"({type})a[{i}]{(nullable ? "" : "!")}";
            }));
            var call = $"(({cls.Name})m!).__trace_{m.Name}({args})";
            var body = m.ReturnsVoid ? $"{{ {call}; return null; }}" : $"(object?){call}";
            var names = "new string[] { " + string.Join(", ", m.Parameters.Select(p => Literal(p.Name))) + " }";
            calls.Add($"{TwinSymbols.RegistryName}.Register(typeof({cls.Name}), {Literal(m.Name)}, {names}, static (m, a) => {body})");
        }

        if (calls.Count == 0)
        {
            calls.Add("true");
        }

        return "    private static readonly bool __e3sharp_trace_registered =\n        " + string.Join("\n        & ", calls) + ";\n";
    }
}
