using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

/// <summary>Conversions, tuples, lists, dicts, patterns and literals.</summary>
internal sealed partial class ScriptTranslator
{
    private Ex? Conversion(IConversionOperation c)
    {
        var operand = c.Operand;
        var to = c.Type;
        var from = operand.Type;
        if (IsScalar(to))
        {
            return E(operand);
        }

        if (to is not null && IsTensor(to))
        {
            if (from is null || IsTensor(from))
            {
                return E(operand);
            }

            Report(Descriptors.TensorFromNumber, c,
                $"This implicitly converts a {from.ToDisplayString()} to a Tensor, which creates a tensor; pass the number where the operator takes a scalar (e.g. 'x * 2.0', 'x.clamp_min(0.0)'), or write torch.full_like(x, value).");
            return null;
        }

        if (from is not null && IsTensor(from))
        {
            var target = MapType(to!, false);
            var fn = target?.Kind switch
            {
                TsTypeKind.Bool => "bool",
                TsTypeKind.Float => "float",
                TsTypeKind.Int => "int",
                _ => null,
            };
            var v = fn is null ? null : E(operand);
            if (fn is null)
            {
                Report(Descriptors.UnsupportedType, c, $"A Tensor cannot be converted to {to?.ToDisplayString()} in scripted code.");
                return null;
            }

            return v is null ? null : new Ex($"__ir.Builtin(\"{fn}\", {v.Code})", target!);
        }

        if (operand is ITupleOperation)
        {
            return E(operand);
        }

        var inner = E(operand);
        if (inner is null || to is null)
        {
            return inner;
        }

        var tt = MapType(to, to.NullableAnnotation == NullableAnnotation.Annotated);
        if (tt is null)
        {
            Report(Descriptors.UnsupportedType, c, $"A conversion to {to.ToDisplayString()} is not supported in scripted code; use {SupportedTypes}.");
            return null;
        }

        if (tt.Equals(inner.Type) || (tt.Kind == TsTypeKind.Optional && (tt.Element.Equals(inner.Type) || inner.Type.Kind == TsTypeKind.None)))
        {
            return new Ex(inner.Code, tt.Kind == TsTypeKind.Optional ? inner.Type : tt);
        }

        if (tt.Kind == TsTypeKind.Float && inner.Type.Kind == TsTypeKind.Int)
        {
            return new Ex($"__ir.Builtin(\"float\", {inner.Code})", TsType.Float);
        }

        if (tt.Kind == TsTypeKind.Int && inner.Type.Kind == TsTypeKind.Float)
        {
            return new Ex($"__ir.Builtin(\"int\", {inner.Code})", TsType.Int);
        }

        Report(Descriptors.UnsupportedType, c, $"A conversion from {inner.Type.Name} to {tt.Name} is not supported in scripted code.");
        return null;
    }

    private Ex? Tuple(ITupleOperation t)
    {
        var items = new List<Ex>();
        foreach (var e in t.Elements)
        {
            var x = E(e);
            if (x is null)
            {
                return null;
            }

            items.Add(x);
        }

        return new Ex($"__ir.Tuple({string.Join(", ", items.Select(i => i.Code))})", TsType.Tuple(items.Select(i => i.Type)));
    }

    private Ex? ArrayCreation(IArrayCreationOperation ac)
    {
        if (ac.Initializer is null)
        {
            Report(Descriptors.ObjectCreation, ac,
                "Arrays of a given size cannot be created in scripted code; start from 'new List<Tensor>()' and Add the items (or write 'new[] { a, b }').");
            return null;
        }

        return ListOf(ac.Initializer.ElementValues, ac.Type, ac);
    }

    private Ex? ListOf(IEnumerable<IOperation> elements, ITypeSymbol? type, IOperation site)
    {
        var listType = type is null ? null : MapType(type, false);
        if (listType is not { Kind: TsTypeKind.List })
        {
            Report(Descriptors.UnsupportedType, site, $"A collection of type {type?.ToDisplayString()} is not supported in scripted code; use Tensor[] / List<Tensor> or long[].");
            return null;
        }

        var items = new List<string>();
        foreach (var e in elements)
        {
            if (e is ISpreadOperation)
            {
                Report(Descriptors.UnsupportedExpression, e, "Spreads ('..xs') are not supported in scripted code.");
                return null;
            }

            var x = E(e);
            if (x is null)
            {
                return null;
            }

            items.Add(x.Code);
        }

        return new Ex(items.Count == 0 ? $"__ir.ListOf({listType.Element.Code})" : $"__ir.ListOf({listType.Element.Code}, {string.Join(", ", items)})", listType);
    }

    private Ex? ObjectCreation(IObjectCreationOperation oc)
    {
        var type = oc.Type is null ? null : MapType(oc.Type, false);
        if (type is { Kind: TsTypeKind.List } && oc.Type is INamedTypeSymbol { Name: "List" })
        {
            var items = new List<IOperation>();
            if (oc.Initializer is { } init)
            {
                foreach (var i in init.Initializers)
                {
                    if (i is IInvocationOperation { TargetMethod.Name: "Add" } add && add.Arguments.Length == 1)
                    {
                        items.Add(add.Arguments[0].Value);
                    }
                    else
                    {
                        Report(Descriptors.ObjectCreation, i, "Only 'new List<Tensor> { a, b }' initializers are supported in scripted code.");
                        return null;
                    }
                }
            }

            if (oc.Arguments.Any(a => a.Value.Type is not null && MapType(a.Value.Type, false)?.Kind == TsTypeKind.List))
            {
                Report(Descriptors.ObjectCreation, oc, "'new List<Tensor>(items)' is not supported in scripted code; write 'new List<Tensor> { a, b }' or Add the items.");
                return null;
            }

            return ListOf(items, oc.Type, oc);
        }

        if (type is { Kind: TsTypeKind.Dict } && oc.Type is INamedTypeSymbol { Name: "Dictionary" })
        {
            return DictOf(oc, type);
        }

        Report(Descriptors.ObjectCreation, oc,
            $"Creating a {oc.Type?.ToDisplayString()} is not supported in scripted code; only 'new List<Tensor>()', 'new Dictionary<string, Tensor> {{ [\"key\"] = x }}' and array initializers ('new[] {{ a, b }}') are. Create objects in the constructor and keep them in fields.");
        return null;
    }

    // new Dictionary<string, T> { ["k"] = v, ... } or { { "k", v }, ... }: a dict literal.
    private Ex? DictOf(IObjectCreationOperation oc, TsType type)
    {
        if (oc.Arguments.Any(a => a.ArgumentKind != ArgumentKind.DefaultValue))
        {
            Report(Descriptors.ObjectCreation, oc, "'new Dictionary<string, T>(...)' with constructor arguments is not supported in scripted code; write 'new Dictionary<string, T> { [\"key\"] = value }'.");
            return null;
        }

        var keys = new List<string>();
        var values = new List<string>();
        foreach (var i in oc.Initializer?.Initializers ?? Enumerable.Empty<IOperation>())
        {
            IOperation? key = null, value = null;
            switch (i)
            {
                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Arguments.Length: 1 } p } a:
                    key = p.Arguments[0].Value;
                    value = a.Value;
                    break;
                case IInvocationOperation { TargetMethod.Name: "Add", Arguments.Length: 2 } add:
                    key = add.Arguments[0].Value;
                    value = add.Arguments[1].Value;
                    break;
            }

            if (key is null || value is null)
            {
                Report(Descriptors.ObjectCreation, i, "Only 'new Dictionary<string, T> { [\"key\"] = value }' (or '{ { \"key\", value } }') initializers are supported in scripted code.");
                return null;
            }

            var k = E(key);
            var v = E(value);
            if (k is null || v is null)
            {
                return null;
            }

            keys.Add(k.Code);
            values.Add(v.Code);
        }

        return new Ex($"new __Ir.DictExpr(new __Ir.Expr[] {{ {string.Join(", ", keys)} }}, new __Ir.Expr[] {{ {string.Join(", ", values)} }}, {type.Items[0].Code}, {type.Items[1].Code})", type);
    }

    private Ex? IsPattern(IIsPatternOperation ip)
    {
        var negated = ip.Pattern is INegatedPatternOperation;
        var pattern = ip.Pattern is INegatedPatternOperation n ? n.Pattern : ip.Pattern;
        if (pattern is IConstantPatternOperation cp && IsNullLiteral(cp.Value))
        {
            var v = E(ip.Value);
            return v is null ? null : new Ex($"({v.Code}).{(negated ? "IsNotNone" : "IsNone")}()", TsType.Bool);
        }

        Report(Descriptors.UnsupportedOperator, ip, "Only 'x is null' and 'x is not null' patterns are supported in scripted code; use == and if/else for other tests.");
        return null;
    }

    private Ex? LiteralOf(object? value, ITypeSymbol? type)
    {
        switch (value)
        {
            case null:
                return new Ex("__ir.None", TsType.None);
            case bool b:
                return new Ex($"__ir.Bool({(b ? "true" : "false")})", TsType.Bool);
            case string s:
                return new Ex($"__ir.Str({Literal(s)})", TsType.Str);
            case double d:
                return new Ex($"__ir.Float({FormatDouble(d)})", TsType.Float);
            case float f:
                return new Ex($"__ir.Float({FormatDouble(double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))})", TsType.Float);
            case int or long or short or byte or sbyte or ushort or uint:
                return new Ex($"__ir.Int({Convert.ToInt64(value, CultureInfo.InvariantCulture)}L)", TsType.Int);
            default:
                return null;
        }
    }

    private static string FormatDouble(double d)
    {
        if (double.IsPositiveInfinity(d))
        {
            return "double.PositiveInfinity";
        }

        if (double.IsNegativeInfinity(d))
        {
            return "double.NegativeInfinity";
        }

        if (double.IsNaN(d))
        {
            return "double.NaN";
        }

        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.IndexOfAny(new[] { '.', 'E', 'e' }) < 0 ? s + ".0" : s;
    }
}
