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

/// <summary>C# types as TorchScript types, and the names locals take.</summary>
internal sealed partial class ScriptTranslator
{
    private TsType? MapType(ITypeSymbol t, bool nullable)
    {
        if (IsTensor(t))
        {
            return nullable ? IrCoreExtensions.OptionalOf(TsType.Tensor) : TsType.Tensor;
        }

        if (IsScalarTypeEnum(t))
        {
            return TsType.Int;
        }

        TsType? basic = t.SpecialType switch
        {
            SpecialType.System_Int16 or SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Byte or
                SpecialType.System_SByte or SpecialType.System_UInt16 => TsType.Int,
            SpecialType.System_Double or SpecialType.System_Single => TsType.Float,
            SpecialType.System_Boolean => TsType.Bool,
            SpecialType.System_String => TsType.Str,
            _ => null,
        };
        if (basic is not null)
        {
            return nullable && basic.Kind == TsTypeKind.Str ? IrCoreExtensions.OptionalOf(basic) : basic;
        }

        if (t is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n)
        {
            var inner = MapType(n.TypeArguments[0], false);
            return inner is null ? null : IrCoreExtensions.OptionalOf(inner);
        }

        if (t is IArrayTypeSymbol { Rank: 1 } a)
        {
            var e = MapType(a.ElementType, false);
            return e is null ? null : TsType.List(e);
        }

        if (t is INamedTypeSymbol { IsTupleType: true } tuple)
        {
            var items = tuple.TupleElements.Select(el => MapType(el.Type, el.NullableAnnotation == NullableAnnotation.Annotated)).ToList();
            return items.Any(i => i is null) ? null : TsType.Tuple(items!);
        }

        if (t is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 2 } d &&
            d.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic" &&
            d.Name is "Dictionary" or "IDictionary" or "IReadOnlyDictionary" &&
            d.TypeArguments[0].SpecialType == SpecialType.System_String)
        {
            var v = MapType(d.TypeArguments[1], false);
            return v is null ? null : TsType.Dict(v);
        }

        if (t is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } g &&
            g.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic" &&
            g.Name is "List" or "IList" or "IReadOnlyList" or "ICollection" or "IReadOnlyCollection" or "IEnumerable")
        {
            var e = MapType(g.TypeArguments[0], false);
            return e is null ? null : TsType.List(e);
        }

        return null;
    }

    private string DeclareName(ISymbol s)
    {
        if (_m.Names.TryGetValue(s, out var existing))
        {
            return existing;
        }

        var name = FreshName(s.Name);
        _m.Names[s] = name;
        return name;
    }

    private string NameOf(ISymbol s) => DeclareName(s);

    private string FreshName(string baseName)
    {
        var chars = baseName.Select(c => c < 128 && (char.IsLetterOrDigit(c) || c == '_') ? c : '_').ToArray();
        var b = chars.Length == 0 ? "v" : new string(chars);
        if (ReservedNames.Contains(b))
        {
            b += "_";
        }

        var name = b;
        for (var i = 1; !_m.Used.Add(name); i++)
        {
            name = $"{b}_{i}";
        }

        return name;
    }

    private static IOperation Unwrap(IOperation op)
    {
        while (true)
        {
            switch (op)
            {
                case IConversionOperation { IsImplicit: true } c:
                    op = c.Operand;
                    continue;
                case IParenthesizedOperation p:
                    op = p.Operand;
                    continue;
                default:
                    return op;
            }
        }
    }

    private static string Text(IOperation op) => op.Syntax.ToString();

    private static string OneLine(string s) => string.Join(" ", s.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(x => x.Trim()));
}
