using System;
using System.Collections.Generic;
using System.Linq;

namespace E3Sharp.Generators.Scripting;

/// <summary>Kinds of generator-side TorchScript types.</summary>
internal enum TsKind
{
    Tensor,
    Int,
    Float,
    Bool,
    Str,
    None,
    List,
    Optional,
    Tuple,
    Dict,
}

/// <summary>
/// A TorchScript type as the generator sees it (mirrors <c>E3Sharp.Jit.Ir.TsType</c>); <see cref="Code"/> is the C#
/// expression that builds the runtime type in generated code.
/// </summary>
internal sealed class TsT : IEquatable<TsT>
{
    private TsT(TsKind kind, params TsT[] items)
    {
        Kind = kind;
        Items = items;
    }

    public static TsT Tensor { get; } = new(TsKind.Tensor);

    public static TsT Int { get; } = new(TsKind.Int);

    public static TsT Float { get; } = new(TsKind.Float);

    public static TsT Bool { get; } = new(TsKind.Bool);

    public static TsT Str { get; } = new(TsKind.Str);

    public static TsT None { get; } = new(TsKind.None);

    public TsKind Kind { get; }

    public IReadOnlyList<TsT> Items { get; }

    public TsT Element => Items[0];

    public bool IsNumber => Kind is TsKind.Int or TsKind.Float;

    public static TsT List(TsT element) => new(TsKind.List, element);

    public static TsT Optional(TsT inner) => inner.Kind is TsKind.Optional or TsKind.None ? inner : new(TsKind.Optional, inner);

    public static TsT Tuple(IEnumerable<TsT> items) => new(TsKind.Tuple, items.ToArray());

    /// <summary><c>Dict[str, value]</c> (Items: key, value).</summary>
    public static TsT Dict(TsT value) => new(TsKind.Dict, Str, value);

    /// <summary>The TorchScript spelling (<c>List[Tensor]</c>).</summary>
    public string Name => Kind switch
    {
        TsKind.Tensor => "Tensor",
        TsKind.Int => "int",
        TsKind.Float => "float",
        TsKind.Bool => "bool",
        TsKind.Str => "str",
        TsKind.None => "NoneType",
        TsKind.List => $"List[{Element.Name}]",
        TsKind.Optional => $"Optional[{Element.Name}]",
        TsKind.Dict => $"Dict[{Items[0].Name}, {Items[1].Name}]",
        _ => $"Tuple[{string.Join(", ", Items.Select(i => i.Name))}]",
    };

    /// <summary>C# code building the runtime <c>TsType</c> (uses the generated file's <c>__Ir</c> alias).</summary>
    public string Code => Kind switch
    {
        TsKind.Tensor => "__Ir.TsType.Tensor",
        TsKind.Int => "__Ir.TsType.Int",
        TsKind.Float => "__Ir.TsType.Float",
        TsKind.Bool => "__Ir.TsType.Bool",
        TsKind.Str => "__Ir.TsType.Str",
        TsKind.None => "__Ir.TsType.None",
        TsKind.List => $"__Ir.TsType.List({Element.Code})",
        TsKind.Optional => $"__Ir.TsType.Optional({Element.Code})",
        TsKind.Dict => $"__Ir.TsType.Dict({Items[0].Code}, {Items[1].Code})",
        _ => $"__Ir.TsType.Tuple({string.Join(", ", Items.Select(i => i.Code))})",
    };

    public bool Equals(TsT? other) =>
        other is not null && Kind == other.Kind && Items.Count == other.Items.Count &&
        Items.Zip(other.Items, (a, b) => a.Equals(b)).All(x => x);

    public override bool Equals(object? obj) => Equals(obj as TsT);

    public override int GetHashCode() => Items.Aggregate((int)Kind, (h, i) => unchecked((h * 31) + i.GetHashCode()));

    public override string ToString() => Name;
}
