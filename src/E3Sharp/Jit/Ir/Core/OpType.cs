using System;
using System.Collections.Generic;
using System.Linq;

namespace E3Sharp.Jit.Ir;

/// <summary>The base kinds of types in an operator schema.</summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
enum OpTypeKind
{
    /// <summary><c>Tensor</c>.</summary>
    Tensor,
    /// <summary><c>int</c> (also <c>SymInt</c>).</summary>
    Int,
    /// <summary><c>float</c>.</summary>
    Float,
    /// <summary><c>bool</c>.</summary>
    Bool,
    /// <summary><c>str</c>.</summary>
    Str,
    /// <summary><c>Scalar</c>: an int or a float argument.</summary>
    Scalar,
    /// <summary><c>ScalarType</c>: a dtype, passed as its integer code (6 = float32, 7 = float64, 4 = int64, 11 = bool).</summary>
    ScalarType,
    /// <summary><c>Layout</c>, <c>Device</c>, <c>MemoryFormat</c>, <c>Generator</c>: only their defaults (or None) are supported.</summary>
    Opaque,
    /// <summary>A type variable <c>t</c> (generic list operators).</summary>
    TypeVar,
    /// <summary><c>T[]</c> / <c>T[N]</c>: a list.</summary>
    List,
    /// <summary><c>T?</c>: optional.</summary>
    Optional,
    /// <summary><c>(T1, T2)</c>: a tuple (results only).</summary>
    Tuple,
}

/// <summary>A type in an operator schema (the aten schema language: <c>Tensor?</c>, <c>int[1]</c>, <c>Tensor?[]</c>, ...).</summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
sealed class OpType
{
    private OpType(OpTypeKind kind, string text, OpType? element = null, int? fixedSize = null, IReadOnlyList<OpType>? items = null)
    {
        Kind = kind;
        Text = text;
        Element = element;
        FixedSize = fixedSize;
        Items = items ?? [];
    }

    /// <summary>The kind.</summary>
    public OpTypeKind Kind { get; }

    /// <summary>The schema spelling.</summary>
    public string Text { get; }

    /// <summary>The element type of a list or optional.</summary>
    public OpType? Element { get; }

    /// <summary>For <c>int[N]</c>: N (a single int is then accepted too).</summary>
    public int? FixedSize { get; }

    /// <summary>The items of a tuple.</summary>
    public IReadOnlyList<OpType> Items { get; }

    /// <summary>A base type.</summary>
    /// <param name="kind">The kind (not List/Optional/Tuple).</param>
    /// <param name="text">The spelling.</param>
    public static OpType Base(OpTypeKind kind, string text) => new(kind, text);

    /// <summary>A list type.</summary>
    /// <param name="element">Element type.</param>
    /// <param name="fixedSize">N for <c>T[N]</c>.</param>
    public static OpType ListOf(OpType element, int? fixedSize = null) =>
        new(OpTypeKind.List, element.Text + "[" + fixedSize + "]", element, fixedSize);

    /// <summary>An optional type.</summary>
    /// <param name="element">The inner type.</param>
    public static OpType OptionalOf(OpType element) => new(OpTypeKind.Optional, element.Text + "?", element);

    /// <summary>A tuple type.</summary>
    /// <param name="items">The items.</param>
    public static OpType TupleOf(IReadOnlyList<OpType> items) =>
        new(OpTypeKind.Tuple, "(" + string.Join(", ", items.Select(i => i.Text)) + ")", items: items);

    /// <summary>
    /// Whether an argument of type <paramref name="arg"/> matches this parameter type (binding type variables in
    /// <paramref name="bindings"/>). No implicit conversions except those TorchScript applies without inserting
    /// code: <c>T</c> and None into <c>T?</c>, an int into <c>int[N]</c>.
    /// </summary>
    /// <param name="arg">The argument's type.</param>
    /// <param name="bindings">Type-variable bindings (updated on success).</param>
    public bool Accepts(TsType arg, Dictionary<string, TsType> bindings)
    {
        switch (Kind)
        {
            case OpTypeKind.Tensor:
                return arg.Kind == TsTypeKind.Tensor;
            case OpTypeKind.Int:
            case OpTypeKind.ScalarType:
                return arg.Kind == TsTypeKind.Int;
            case OpTypeKind.Float:
                return arg.Kind == TsTypeKind.Float;
            case OpTypeKind.Bool:
                return arg.Kind == TsTypeKind.Bool;
            case OpTypeKind.Str:
                return arg.Kind == TsTypeKind.Str;
            case OpTypeKind.Scalar:
                return arg.Kind is TsTypeKind.Int or TsTypeKind.Float;
            case OpTypeKind.Opaque:
                return false;
            case OpTypeKind.TypeVar:
                if (bindings.TryGetValue(Text, out var bound))
                {
                    return arg.Equals(bound);
                }

                bindings[Text] = arg;
                return true;
            case OpTypeKind.List:
                if (FixedSize is not null && Element!.Kind == OpTypeKind.Int && arg.Kind == TsTypeKind.Int)
                {
                    return true;
                }

                return arg is ListType l && Element!.AcceptsExactly(l.Element, bindings);
            case OpTypeKind.Optional:
                if (arg.Kind == TsTypeKind.None)
                {
                    return true;
                }

                if (arg is OptionalType o)
                {
                    return Element!.Accepts(o.Inner, bindings);
                }

                return Element!.Accepts(arg, bindings);
            default:
                return false;
        }
    }

    // List elements are invariant: List[int] is not a List[float], List[Tensor] is not a List[Optional[Tensor]].
    private bool AcceptsExactly(TsType arg, Dictionary<string, TsType> bindings)
    {
        switch (Kind)
        {
            case OpTypeKind.Scalar:
            case OpTypeKind.Opaque:
                return false;
            case OpTypeKind.Optional:
                return arg is OptionalType o && Element!.AcceptsExactly(o.Inner, bindings);
            case OpTypeKind.List:
                return arg is ListType l && Element!.AcceptsExactly(l.Element, bindings);
            default:
                return arg is not OptionalType && Accepts(arg, bindings);
        }
    }

    /// <summary>The TorchScript type of a result of this type (type variables resolved through <paramref name="bindings"/>).</summary>
    /// <param name="bindings">Type-variable bindings.</param>
    /// <exception cref="InvalidOperationException">The type has no TorchScript value type (Scalar, opaque, unbound variable).</exception>
    public TsType ToTsType(IReadOnlyDictionary<string, TsType> bindings) => Kind switch
    {
        OpTypeKind.Tensor => TsType.Tensor,
        OpTypeKind.Int or OpTypeKind.ScalarType => TsType.Int,
        OpTypeKind.Float => TsType.Float,
        OpTypeKind.Bool => TsType.Bool,
        OpTypeKind.Str => TsType.Str,
        OpTypeKind.TypeVar => bindings.TryGetValue(Text, out var t)
            ? t
            : throw new InvalidOperationException($"Type variable {Text} is unbound."),
        OpTypeKind.List => TsType.List(Element!.ToTsType(bindings)),
        OpTypeKind.Optional => TsType.Optional(Element!.ToTsType(bindings)),
        OpTypeKind.Tuple => Items.Count == 0 ? TsType.None : TsType.Tuple(Items.Select(i => i.ToTsType(bindings))),
        _ => throw new InvalidOperationException($"Schema type {Text} has no TorchScript value type."),
    };

    /// <inheritdoc/>
    public override string ToString() => Text;
}
