using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;

namespace E3Sharp.Generators.Scripting;

/// <summary>
/// Translates the <c>forward</c> of a <c>[CompileMode(JitMode.Script)]</c> class (and the same-class helpers it
/// calls) into C# that builds TorchScript IR methods at run time. Works on <see cref="IOperation"/> trees, so
/// overloads, <c>var</c> types, implicit conversions and omitted optionals are already resolved by Roslyn. The
/// generator's parser: its result is a <see cref="ScriptClassModel"/> (each method's builder statements as text, in
/// the order the runtime builds them); <see cref="ScriptEmitter"/> turns that into the generated file.
/// </summary>
internal sealed partial class ScriptTranslator
{
    private const string CompileModeAttribute = "E3Sharp.Jit.CompileModeAttribute";

    private readonly Compilation _compilation;
    private readonly KnownSymbols _known;
    private readonly INamedTypeSymbol _class;
    private readonly CancellationToken _ct;
    private readonly List<DiagInfo> _diags = new();
    private CodeWriter _w = new();
    private readonly Dictionary<IMethodSymbol, string> _helperNames = new(SymbolEqualityComparer.Default);
    private readonly Queue<IMethodSymbol> _pending = new();
    private readonly List<(IMethodSymbol Caller, IMethodSymbol Callee, Location Site)> _calls = new();
    private readonly INamedTypeSymbol _tensor;
    private readonly INamedTypeSymbol _torch;
    private readonly INamedTypeSymbol? _module;
    private readonly INamedTypeSymbol? _functional;
    private readonly INamedTypeSymbol? _scalar;
    private readonly INamedTypeSymbol? _scalarType;
    private readonly INamedTypeSymbol? _tensorIndex;
    private readonly INamedTypeSymbol? _eagerOnly;
    private MethodState _m = null!;
    private int _counter;

    private ScriptTranslator(KnownSymbols known, INamedTypeSymbol cls, INamedTypeSymbol tensor, INamedTypeSymbol torch,
        CancellationToken ct)
    {
        _compilation = known.Compilation;
        _known = known;
        _class = cls;
        _ct = ct;
        _tensor = tensor;
        _torch = torch;
        _module = known.Module;
        _functional = known.Functional;
        _scalar = known.Scalar;
        _scalarType = known.ScalarType;
        _tensorIndex = known.TensorIndex;
        _eagerOnly = known.EagerOnly;
    }

    /// <summary>The pipeline's parse step for a class with a compile mode: null when the mode is not Script.</summary>
    public static ScriptClassModel? Transform(GeneratorAttributeSyntaxContext ctx, KnownSymbols known, CancellationToken ct)
    {
        if (ctx.TargetSymbol is not INamedTypeSymbol cls || !IsScriptMode(ctx.Attributes))
        {
            return null;
        }

        var hint = HintName(cls);
        var decl = (ClassDeclarationSyntax)ctx.TargetNode;
        if (known.Tensor is not { } tensor || known.Torch is not { } torch)
        {
            return Model(hint, cls, decl, [], null, new[]
            {
                DiagInfo.Create(Descriptors.NotAModule,
                    decl.Identifier.GetLocation(),
                    $"'{cls.Name}' is marked [CompileMode(JitMode.Script)] but TorchSharp is not referenced; scripted modules are TorchSharp modules."),
            }, ct);
        }

        var t = new ScriptTranslator(known, cls, tensor, torch, ct);
        var methods = t.Run(decl);
        return Model(hint, cls, decl, methods ?? [], null, t._diags, ct);
    }

    private static ScriptClassModel Model(string hint, INamedTypeSymbol cls, ClassDeclarationSyntax decl,
        IEnumerable<ScriptMethodModel> methods, string? unscriptable, IEnumerable<DiagInfo> diagnostics, CancellationToken ct)
    {
        // The user's usings, which the copied names rely on (global usings apply to the generated file anyway).
        var root = (CompilationUnitSyntax)decl.SyntaxTree.GetRoot(ct);
        var usings = root.Usings.Where(u => u.GlobalKeyword.IsKind(SyntaxKind.None)).Select(u => u.WithoutTrivia().ToString());
        var nsUsings = decl.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse()
            .SelectMany(n => n.Usings).Select(u => u.WithoutTrivia().ToString());
        return new ScriptClassModel(hint, ClassShape.Of(cls), new EquatableArray<string>(usings), new EquatableArray<string>(nsUsings),
            new EquatableArray<ScriptMethodModel>(methods), unscriptable, new EquatableArray<DiagInfo>(diagnostics));
    }

    private static bool IsScriptMode(IEnumerable<AttributeData> attributes)
    {
        foreach (var a in attributes)
        {
            if (a.AttributeClass?.ToDisplayString() != CompileModeAttribute || a.ConstructorArguments.Length != 1)
            {
                continue;
            }

            var arg = a.ConstructorArguments[0];
            var script = arg.Type?.GetMembers("Script").OfType<IFieldSymbol>().FirstOrDefault()?.ConstantValue;
            return arg.Value is not null && script is not null && Equals(arg.Value, script);
        }

        return false;
    }

    private static string HintName(INamedTypeSymbol cls)
    {
        var name = cls.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "");
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '_').ToArray();
        return new string(chars) + ".Script.g.cs";
    }

    private List<ScriptMethodModel>? Run(ClassDeclarationSyntax decl)
    {
        var at = decl.Identifier.GetLocation();
        var name = _class.Name;
        if (!CheckClass(at, name))
        {
            return null;
        }

        var forwards = _class.GetMembers("forward").OfType<IMethodSymbol>()
            .Where(m => !m.IsStatic && m.DeclaringSyntaxReferences.Length > 0).ToList();
        if (forwards.Count == 0)
        {
            Report(Descriptors.NoForward, at,
                $"'{name}' is marked [CompileMode(JitMode.Script)] but declares no forward method; declare 'public override Tensor forward(Tensor x)' in the class (a forward inherited from a base class is scripted with that class).");
            return null;
        }

        if (forwards.Count > 1)
        {
            Report(Descriptors.SeveralForwards, forwards[1].Locations[0],
                $"'{name}' declares {forwards.Count} forward methods; a scripted module has exactly one forward (rename the others to helper methods).");
            return null;
        }

        // Code that does not bind is the compiler's to report; translating it would only add noise.
        if (HasCompileErrors(forwards[0]))
        {
            return null;
        }

        var methods = new List<ScriptMethodModel>();
        _helperNames[forwards[0]] = "forward";
        _pending.Enqueue(forwards[0]);
        if (!AddExports())
        {
            return null;
        }

        _w.Indent = 0;
        while (_pending.Count > 0)
        {
            _ct.ThrowIfCancellationRequested();
            var method = _pending.Dequeue();
            if (!ReferenceEquals(method, forwards[0]) && HasCompileErrors(method))
            {
                return null;
            }

            methods.Add(new ScriptMethodModel(_helperNames[method], TranslateMethod(method, _helperNames[method])));
        }

        ReportRecursion();
        if (_diags.Count > 0)
        {
            return null;
        }

        return methods;
    }

    // Methods marked [Export]: extra TorchScript methods (like @torch.jit.export), named by the attribute or the C# name.
    private bool AddExports()
    {
        var ok = true;
        var exportAttribute = _known.Export;
        if (exportAttribute is null)
        {
            return true;
        }

        foreach (var m in _class.GetMembers().OfType<IMethodSymbol>())
        {
            var attr = m.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, exportAttribute));
            if (attr is null)
            {
                continue;
            }

            var at = m.Locations.FirstOrDefault() ?? Location.None;
            var named = attr.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string;
            var name = named ?? m.Name;
            string? problem = null;
            if (m.IsStatic || m.MethodKind != MethodKind.Ordinary || m.DeclaringSyntaxReferences.Length == 0)
            {
                problem = $"'{m.Name}' is marked [Export] but is not an instance method declared in '{_class.Name}'; exported TorchScript methods are instance methods of the scripted class.";
            }
            else if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_') || name.Any(c => c >= 128 || !(char.IsLetterOrDigit(c) || c == '_')) ||
                     ReservedNames.Contains(name) || name == "forward" || name.StartsWith("__", StringComparison.Ordinal))
            {
                problem = $"[Export] names '{m.Name}' '{name}', which cannot be a TorchScript method name; give an ASCII Python identifier other than 'forward' and Python keywords, not starting with '__' ([Export(Name = \"pair_forward\")]).";
            }
            else if (_helperNames.ContainsValue(name))
            {
                problem = $"[Export] on '{m.Name}' names the TorchScript method '{name}', which another exported method already uses; give each exported method its own name.";
            }

            if (problem is not null)
            {
                Report(Descriptors.BadExport, at, problem);
                ok = false;
                continue;
            }

            _helperNames[m] = name;
            _pending.Enqueue(m);
        }

        return ok;
    }

    private bool CheckClass(Location at, string name)
    {
        var ok = true;
        for (var t = _class; t is not null; t = t.ContainingType)
        {
            var notPartial = t.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(_ct)).OfType<TypeDeclarationSyntax>()
                .Any(d => !d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (notPartial)
            {
                Report(Descriptors.NotPartial, at, ReferenceEquals(t, _class)
                    ? $"'{name}' is marked [CompileMode(JitMode.Script)] but is not partial; declare it 'partial class {name}' so the E3Sharp generator can add its TorchScript translation."
                    : $"'{name}' is marked [CompileMode(JitMode.Script)] but its containing type '{t.Name}' is not partial; declare every containing type partial too.");
                ok = false;
                break;
            }
        }

        if (_module is null || !DerivesFrom(_class, _module))
        {
            Report(Descriptors.NotAModule, at,
                $"'{name}' is marked [CompileMode(JitMode.Script)] but does not derive from torch.nn.Module; only TorchSharp modules can be scripted.");
            ok = false;
        }

        for (var t = _class; t is not null; t = t.ContainingType)
        {
            if (t.TypeParameters.Length > 0)
            {
                Report(Descriptors.GenericClass, at,
                    $"'{name}' is generic (or nested in a generic type); generic module classes cannot be scripted. Make it non-generic or use [CompileMode(JitMode.Trace)].");
                ok = false;
                break;
            }

            if (t.DeclaredAccessibility is Microsoft.CodeAnalysis.Accessibility.Private or Microsoft.CodeAnalysis.Accessibility.Protected or Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal)
            {
                Report(Descriptors.Inaccessible, at,
                    $"'{name}' is marked [CompileMode(JitMode.Script)] but '{t.Name}' is {AccessibilityName(t)}; a scripted module class and its containing types must be internal or public (its script is registered when the assembly loads).");
                ok = false;
                break;
            }
        }

        return ok;
    }

    private static string AccessibilityName(ISymbol s) => s.DeclaredAccessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Private => "private",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        _ => "private protected",
    };

    private bool HasCompileErrors(IMethodSymbol method)
    {
        foreach (var r in method.DeclaringSyntaxReferences)
        {
            var syntax = r.GetSyntax(_ct);
            var model = _compilation.GetSemanticModel(syntax.SyntaxTree);
            if (model.GetDiagnostics(syntax.Span, _ct).Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                return true;
            }
        }

        return false;
    }

    private void ReportRecursion()
    {
        var graph = _calls.GroupBy(c => c.Caller, SymbolEqualityComparer.Default)
            .ToDictionary(g => (IMethodSymbol)g.Key!, g => g.ToList(), SymbolEqualityComparer.Default);
        foreach (var (caller, callee, site) in _calls)
        {
            // Is caller reachable from callee?
            var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            var stack = new Stack<IMethodSymbol>();
            stack.Push(callee);
            var cycle = false;
            while (stack.Count > 0 && !cycle)
            {
                var m = stack.Pop();
                if (SymbolEqualityComparer.Default.Equals(m, caller))
                {
                    cycle = true;
                    break;
                }

                if (seen.Add(m) && graph.TryGetValue(m, out var outs))
                {
                    foreach (var o in outs)
                    {
                        stack.Push(o.Callee);
                    }
                }
            }

            if (cycle)
            {
                Report(Descriptors.Recursion, site,
                    $"'{callee.Name}' is called recursively (through '{caller.Name}'); TorchScript methods cannot recurse. Rewrite the recursion as a while loop.");
                return;
            }
        }
    }

    private static string BuilderVar(string tsName) => ScriptMethodModel.BuilderVarOf(tsName);

    private void Report(string id, Location location, string message) =>
        _diags.Add(DiagInfo.Create(id, location, message));

    private void Report(string id, IOperation op, string message) => Report(id, op.Syntax.GetLocation(), message);

    private void Report(string id, SyntaxNode node, string message) => Report(id, node.GetLocation(), message);

    private static bool DerivesFrom(ITypeSymbol? t, INamedTypeSymbol baseType)
    {
        for (var x = t; x is not null; x = x.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(x.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsTensor(ITypeSymbol? t) => t is not null && DerivesFrom(t, _tensor);

    private bool IsModule(ITypeSymbol? t) => t is not null && _module is not null && DerivesFrom(t, _module);

    private bool IsSameClass(ITypeSymbol? t) => SymbolEqualityComparer.Default.Equals(t, _class);

    private static string Literal(string s) => SymbolDisplay.FormatLiteral(s, quote: true);

    private string NewVar(string prefix) => $"__{prefix}{++_counter}";
}
