using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

internal sealed partial class ScriptTranslator
{
    // TorchSharp parameter names that differ from the aten schema's.
    private static readonly Dictionary<string, string> ParameterAliases = new(StringComparer.Ordinal)
    {
        ["input"] = "self",
        ["type"] = "dtype",
        ["dimension"] = "dim",
        ["dimensions"] = "dim",
        ["dims"] = "dim",
        ["keepDim"] = "keepdim",
        ["keep_dim"] = "keepdim",
        ["target"] = "other",
        ["inputs"] = "tensors",
    };

    // TorchSharp tensor methods whose aten name differs.
    private static readonly Dictionary<string, string> MethodAliases = new(StringComparer.Ordinal)
    {
        ["to_type"] = "to",
    };

    private Ex? Invocation(IInvocationOperation inv)
    {
        var m = inv.TargetMethod;
        var site = InvocationLocation(inv);
        if (IsSameClass(m.ContainingType) && m.MethodKind == MethodKind.Ordinary && m.DeclaringSyntaxReferences.Length > 0 &&
            (inv.Instance is null or IInstanceReferenceOperation))
        {
            return HelperCall(inv, site);
        }

        if (IsModule(m.ContainingType) && (m.Name is "call" or "forward" || ExportName(m) is not null))
        {
            return ModuleCall(inv, site);
        }

        if (m.ContainingType?.SpecialType == SpecialType.System_String || m.Name == "ToString")
        {
            Report(Descriptors.Strings, site,
                $"String formatting ('{m.ContainingType?.Name}.{m.Name}') is not supported on values computed in forward: TorchScript methods compute tensors, not text.");
            return null;
        }

        if (IsTensor(m.ContainingType) && !m.IsStatic)
        {
            return TensorMethod(inv, site);
        }

        if (m.IsStatic && m.Name == "grad" && m.ContainingType is { Name: "autograd" } ag &&
            SymbolEqualityComparer.Default.Equals(ag.ContainingType, _torch))
        {
            return AutogradGrad(inv, site);
        }

        if (m.IsStatic && IsTorchFunctionContainer(m.ContainingType))
        {
            return TorchFunction(inv, site);
        }

        if (IsLinq(m))
        {
            if (inv.Descendants().OfType<ITranslatedQueryOperation>().FirstOrDefault() is { } query)
            {
                Report(Descriptors.Linq, query,
                    "LINQ queries are not supported in scripted code; write a for loop over an int range (or foreach over a tensor's rows) instead.");
                return null;
            }

            Report(Descriptors.Linq, site,
                $"LINQ ('{m.Name}') is not supported on values computed in forward; write a for loop over an int range (LINQ over module fields alone is fine: it is evaluated when the module is scripted).");
            return null;
        }

        if (m.ContainingType is { Name: "List" } && m.Name == "ToArray" && inv.Instance is not null && MapType(inv.Instance.Type!, false) is { Kind: TsTypeKind.List })
        {
            return E(inv.Instance);
        }

        if (m.ContainingType is { Name: "List" } && m.Name == "Add" && inv.Instance is not null && inv.Arguments.Length == 1)
        {
            if (IsScriptTimeValue(inv.Instance))
            {
                // Such a list is written into the script as a copy wherever it is used: the item would be lost.
                Report(Descriptors.StateAssignment, inv,
                    "Add on a list fixed when the module is scripted (a field, or a local computed from fields) is not supported: the script holds a copy of it wherever it is used, so the item would be lost. Build a new list in a local (new List<T> { ... } or new List<T>() and Add).");
                return null;
            }

            var list = E(inv.Instance);
            var item = E(inv.Arguments[0].Value);
            return list is null || item is null ? null : new Ex($"__ir.Method({list.Code}, \"append\", {item.Code})", TsType.None);
        }

        // Innermost first: an unsupported receiver or argument is the better report.
        var before = _diags.Count;
        if (inv.Instance is not null)
        {
            E(inv.Instance);
        }

        foreach (var a in inv.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue))
        {
            E(a.Value);
        }

        if (_diags.Count > before)
        {
            return null;
        }

        Report(Descriptors.ExternalMethod, site,
            $"'{m.ContainingType?.Name}.{m.Name}' cannot be called in scripted code: only TorchSharp tensor methods and torch functions from the op table, submodule calls and methods of this class are translated. Move the computation into a private method of the class, or compute it only from module fields (it is then evaluated when the module is scripted).");
        return null;
    }

    // torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused): TorchScript's
    // autograd.grad, whose result is a List[Optional[Tensor]] (items used as Tensor are unchecked casts).
    private Ex? AutogradGrad(IInvocationOperation inv, Location site)
    {
        var positional = new List<string>();
        var keywords = new List<string>();
        foreach (var a in inv.Arguments)
        {
            var name = a.Parameter?.Name ?? "";
            if (name is "outputs" or "inputs")
            {
                var v = E(a.Value);
                if (v is null)
                {
                    return null;
                }

                if (v.Type.Kind != TsTypeKind.List || v.Type.Element.Kind != TsTypeKind.Tensor)
                {
                    Report(Descriptors.UnsupportedType, a, $"torch.autograd.grad's '{name}' must be a Tensor[] or List<Tensor> in scripted code (this one is {v.Type.Name}).");
                    return null;
                }

                positional.Add(v.Code);
                continue;
            }

            if (name == "grad_outputs")
            {
                if (a.ArgumentKind == ArgumentKind.DefaultValue || IsNullLiteral(a.Value))
                {
                    continue;
                }

                var v = E(a.Value);
                if (v is null)
                {
                    return null;
                }

                keywords.Add($"__ir.Kw(\"grad_outputs\", {v.Code})");
                continue;
            }

            if (name is "retain_graph" or "create_graph" or "allow_unused")
            {
                Ex? v = a.ArgumentKind == ArgumentKind.DefaultValue
                    ? new Ex($"__ir.Bool({(Equals(a.Parameter!.ExplicitDefaultValue, true) ? "true" : "false")})", TsType.Bool)
                    : E(a.Value);
                if (v is null)
                {
                    return null;
                }

                if (v.Type.Kind != TsTypeKind.Bool)
                {
                    Report(Descriptors.UnsupportedType, a, $"torch.autograd.grad's '{name}' must be a bool (this one is {v.Type.Name}).");
                    return null;
                }

                keywords.Add($"__ir.Kw({Literal(name)}, {v.Code})");
                continue;
            }

            Report(Descriptors.NoOverload, site,
                $"torch.autograd.grad's parameter '{name}' has no TorchScript counterpart; pass outputs, inputs, grad_outputs, retain_graph, create_graph and allow_unused only.");
            return null;
        }

        if (positional.Count != 2)
        {
            Report(Descriptors.NoOverload, site, "torch.autograd.grad needs its outputs and inputs in scripted code.");
            return null;
        }

        return new Ex($"__ir.Torch(\"autograd.grad\", new __Ir.Expr[] {{ {string.Join(", ", positional)} }}{string.Concat(keywords.Select(k => ", " + k))})",
            TsType.List(IrCoreExtensions.OptionalOf(TsType.Tensor)));
    }

    private static Location InvocationLocation(IInvocationOperation inv) => inv.Syntax is InvocationExpressionSyntax ie
        ? (ie.Expression is MemberAccessExpressionSyntax ma ? ma.Name.GetLocation() : ie.Expression.GetLocation())
        : inv.Syntax.GetLocation();

    private static bool IsLinq(IMethodSymbol m) =>
        m.ContainingNamespace?.ToDisplayString() == "System.Linq";

    private bool IsTorchFunctionContainer(ITypeSymbol? t) =>
        t is not null && (SymbolEqualityComparer.Default.Equals(t, _torch) ||
                          (_functional is not null && SymbolEqualityComparer.Default.Equals(t, _functional)));

    private Ex? HelperCall(IInvocationOperation inv, Location site)
    {
        var m = inv.TargetMethod;
        var args = new List<string>();
        foreach (var a in inv.Arguments)
        {
            if (a.Parameter?.RefKind is RefKind.Ref or RefKind.Out or RefKind.In)
            {
                Report(Descriptors.RefOut, a, $"'{m.Name}' takes '{a.Parameter.Name}' by reference; TorchScript has no by-reference arguments. Return the values instead (a tuple for several).");
                return null;
            }

            if (a.Parameter is { } parameter && IsScriptTimeValue(a.Value) && ChangesLength(m, parameter))
            {
                Report(Descriptors.StateAssignment, a,
                    $"'{m.Name}' changes '{parameter.Name}' (Add, Insert, Remove, Clear), but this argument is fixed when the module is scripted (a field, or a local computed from fields): the script passes a copy, so the change would be lost. Pass a list this method creates (new List<T> {{ ... }}).");
                return null;
            }

            var v = E(a.Value);
            if (v is null)
            {
                return null;
            }

            args.Add(v.Code);
        }

        var ret = m.ReturnsVoid ? TsType.None : MapType(m.ReturnType, m.ReturnNullableAnnotation == NullableAnnotation.Annotated);
        if (ret is null)
        {
            Report(Descriptors.UnsupportedType, site, $"'{m.Name}' returns {m.ReturnType.ToDisplayString()}, which TorchScript cannot hold; return {SupportedTypes}.");
            return null;
        }

        var def = (IMethodSymbol)m.OriginalDefinition;
        if (!_helperNames.TryGetValue(def, out var name))
        {
            name = HelperName(def.Name);
            _helperNames[def] = name;
            _pending.Enqueue(def);
        }

        _calls.Add((_m.Method, def, site));
        return new Ex($"__ir.SelfCall({Literal(name)}{string.Concat(args.Select(a => ", " + a))})", ret);
    }

    // A value written into the script as a copy where it is used: a field or property of the module, or a local
    // evaluated when the module is scripted.
    private bool IsScriptTimeValue(IOperation op) => Unwrap(op) switch
    {
        IFieldReferenceOperation or IPropertyReferenceOperation { Instance: IInstanceReferenceOperation or null } => true,
        ILocalReferenceOperation l => _m.CompileTime.Contains(l.Local),
        _ => false,
    };

    // Whether helper `m` calls Add, AddRange, Insert, Remove, RemoveAt or Clear on its parameter `p`.
    private bool ChangesLength(IMethodSymbol m, IParameterSymbol p)
    {
        if (m.DeclaringSyntaxReferences.Length == 0)
        {
            return false;
        }

        var body = m.DeclaringSyntaxReferences[0].GetSyntax(_ct);
        var model = _compilation.GetSemanticModel(body.SyntaxTree);
        return body.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(call =>
            call.Expression is MemberAccessExpressionSyntax { Name.Identifier.Text: "Add" or "AddRange" or "Insert" or "Remove" or "RemoveAt" or "Clear", Expression: IdentifierNameSyntax receiver }
            && receiver.Identifier.Text == p.Name
            && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(receiver, _ct).Symbol, p.OriginalDefinition));
    }

    private string HelperName(string csharpName)
    {
        var chars = csharpName.Select(c => c < 128 && (char.IsLetterOrDigit(c) || c == '_') ? c : '_').ToArray();
        var b = new string(chars);
        if (ReservedNames.Contains(b) || b == "forward")
        {
            b += "_";
        }

        var name = b;
        for (var i = 1; _helperNames.ContainsValue(name); i++)
        {
            name = $"{b}_{i}";
        }

        return name;
    }

    private Ex? ModuleCall(IInvocationOperation inv, Location site)
    {
        var m = inv.TargetMethod;
        var receiver = inv.Instance is null ? null : Unwrap(inv.Instance);
        var direct = receiver is IMemberReferenceOperation { Instance: IInstanceReferenceOperation } ||
                     (receiver is ILocalReferenceOperation l && _m.CompileTime.Contains(l.Local));
        if (receiver is null || !direct)
        {
            Report(Descriptors.SubmoduleUse, site,
                receiver is IInstanceReferenceOperation
                    ? "A module cannot call its own call/forward in scripted code (TorchScript methods cannot recurse)."
                    : "Submodules can only be called through a field or property of this module in scripted code ('this.norm.call(x)'); modules held in arrays, lists or other objects are not supported.");
            return null;
        }

        var args = new List<string>();
        foreach (var a in inv.Arguments)
        {
            if (a.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            if (a.Parameter is { } parameter && IsScriptTimeValue(a.Value) && ChangesLength(m, parameter))
            {
                Report(Descriptors.StateAssignment, a,
                    $"'{m.Name}' changes '{parameter.Name}' (Add, Insert, Remove, Clear), but this argument is fixed when the module is scripted (a field, or a local computed from fields): the script passes a copy, so the change would be lost. Pass a list this method creates (new List<T> {{ ... }}).");
                return null;
            }

            var v = E(a.Value);
            if (v is null)
            {
                return null;
            }

            args.Add(v.Code);
        }

        var ret = MapType(m.ReturnType, false);
        if (ret is null)
        {
            Report(Descriptors.UnsupportedType, site, $"The submodule '{MemberPath(receiver)}' returns {m.ReturnType.ToDisplayString()}, which TorchScript cannot hold.");
            return null;
        }

        var method = m.Name is "call" or "forward" ? "forward" : ExportName(m)!;
        return new Ex($"__b.Call({Text(receiver)}, {Literal(MemberPath(receiver))}, {Literal(method)}{string.Concat(args.Select(a => ", " + a))})", ret);
    }

    // The TorchScript name of a submodule's method marked [Export] (the attribute's Name, else the C# name), or null:
    // a scripted module calls it as self.child.<name>(...), which the child's compiled class must have.
    private string? ExportName(IMethodSymbol m)
    {
        if (_known.Export is not { } export || m.IsStatic)
        {
            return null;
        }

        var attr = m.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, export));
        return attr is null ? null : attr.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string ?? m.Name;
    }

    private Ex? TensorMethod(IInvocationOperation inv, Location site)
    {
        var m = inv.TargetMethod;
        var name = m.Name;
        var recv = E(inv.Instance!);
        if (recv is null)
        {
            return null;
        }

        if (recv.Type.Kind != TsTypeKind.Tensor)
        {
            Report(Descriptors.UnsupportedType, inv.Instance!, $"Tensor methods need a Tensor receiver (this one is {recv.Type.Name}); test it for null first.");
            return null;
        }

        var explicitArgs = inv.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).ToList();
        string? conversion = name switch
        {
            "item" when m.TypeArguments.Length == 1 => MapType(m.TypeArguments[0], false)?.Kind switch
            {
                TsTypeKind.Bool => "bool",
                TsTypeKind.Float => "float",
                TsTypeKind.Int => "int",
                _ => null,
            },
            "ToBoolean" => "bool",
            "ToSingle" or "ToDouble" => "float",
            "ToInt32" or "ToInt64" or "ToInt16" => "int",
            _ => null,
        };
        if (conversion is not null && explicitArgs.Count == 0)
        {
            var type = conversion == "bool" ? TsType.Bool : conversion == "float" ? TsType.Float : TsType.Int;
            return new Ex($"__ir.Builtin(\"{conversion}\", {recv.Code})", type);
        }

        switch (name)
        {
            case "MoveToOuterDisposeScope" or "DetachFromDisposeScope" or "MoveToOtherDisposeScope":
                return recv;
            case "item":
                Report(Descriptors.UnsupportedType, site, "item<T>() is supported for bool, float, double, int and long.");
                return null;
        }

        var aten = MethodAliases.TryGetValue(name, out var alias) ? alias : name;
        if (!OpTable.Default.HasMethod(aten))
        {
            var hint = name.EndsWith("_", StringComparison.Ordinal) && OpTable.Default.HasMethod(name.TrimEnd('_'))
                ? $" In-place ops are not supported: write 'x = x.{name.TrimEnd('_')}(...)'."
                : OpTable.Default.HasFunction(aten) ? $" Call it as torch.{aten}(x, ...)." : "";
            Report(Descriptors.UnknownTorchMember, site,
                $"Tensor.{name} has no TorchScript counterpart in E3Sharp's op table.{hint} See docs/scripting-subset.md for the supported tensor methods and torch functions.");
            return null;
        }

        return BindOp(aten, recv, inv, site, $"x.{name}");
    }

    private Ex? TorchFunction(IInvocationOperation inv, Location site)
    {
        var m = inv.TargetMethod;
        var name = m.Name;
        var prefix = SymbolEqualityComparer.Default.Equals(m.ContainingType, _torch) ? "torch" : "torch.nn.functional";
        if (!OpTable.Default.HasFunction(name))
        {
            var hint = OpTable.Default.HasMethod(name) ? $" Call it as a tensor method: x.{name}(...)." : "";
            Report(Descriptors.UnknownTorchMember, site,
                $"{prefix}.{name} has no TorchScript counterpart in E3Sharp's op table.{hint} See docs/scripting-subset.md for the supported tensor methods and torch functions.");
            return null;
        }

        return BindOp(name, null, inv, site, $"{prefix}.{name}");
    }
}
