using System;
using System.Collections.Generic;
using System.Linq;

namespace E3Sharp.Jit.Ir;

/// <summary>The kind of a <see cref="TsType"/>.</summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
enum TsTypeKind
{
    /// <summary><c>Tensor</c> (any dtype, any shape).</summary>
    Tensor,
    /// <summary><c>int</c> (64-bit).</summary>
    Int,
    /// <summary><c>float</c> (64-bit).</summary>
    Float,
    /// <summary><c>bool</c>.</summary>
    Bool,
    /// <summary><c>str</c>.</summary>
    Str,
    /// <summary><c>NoneType</c>, the type of <c>None</c>.</summary>
    None,
    /// <summary><c>List[T]</c>.</summary>
    List,
    /// <summary><c>Optional[T]</c>.</summary>
    Optional,
    /// <summary><c>Tuple[T1, T2, ...]</c>.</summary>
    Tuple,
    /// <summary><c>Dict[K, V]</c>.</summary>
    Dict,
    /// <summary>A module class, spelled by its qualified name (<c>__torch__.a.B</c>).</summary>
    Module,
}

/// <summary>
/// A TorchScript type. Instances are immutable and compare equal when they spell the same TorchScript type
/// (<see cref="Name"/>). Build them with the static members: <see cref="Tensor"/>, <see cref="Int"/>,
/// <see cref="List(TsType)"/>, <see cref="Optional(TsType)"/>, <see cref="Tuple(TsType[])"/>, ... The core of the type
/// (everything but module types) is compiled into the generator too, which builds the same types at build time.
/// </summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
abstract partial class TsType : IEquatable<TsType>
{
    private protected TsType()
    {
    }

    /// <summary>The kind of type.</summary>
    public abstract TsTypeKind Kind { get; }

    /// <summary>The type as TorchScript spells it in an archive (<c>List[Tensor]</c>, <c>Optional[int]</c>, ...).</summary>
    public abstract string Name { get; }

    /// <summary><c>Tensor</c>.</summary>
    public static TsType Tensor { get; } = new PrimitiveType(TsTypeKind.Tensor, "Tensor");

    /// <summary><c>int</c> (64-bit signed).</summary>
    public static TsType Int { get; } = new PrimitiveType(TsTypeKind.Int, "int");

    /// <summary><c>float</c> (double precision).</summary>
    public static TsType Float { get; } = new PrimitiveType(TsTypeKind.Float, "float");

    /// <summary><c>bool</c>.</summary>
    public static TsType Bool { get; } = new PrimitiveType(TsTypeKind.Bool, "bool");

    /// <summary><c>str</c>.</summary>
    public static TsType Str { get; } = new PrimitiveType(TsTypeKind.Str, "str");

    /// <summary><c>NoneType</c>: the type of the <c>None</c> literal and of methods that return nothing.</summary>
    public static TsType None { get; } = new PrimitiveType(TsTypeKind.None, "NoneType");

    /// <summary><c>List[element]</c>.</summary>
    /// <param name="element">The element type.</param>
    public static ListType List(TsType element) => new(element);

    /// <summary><c>Optional[inner]</c>; <c>Optional[Optional[T]]</c> collapses to <c>Optional[T]</c>.</summary>
    /// <param name="inner">The type when the value is not <c>None</c>.</param>
    public static OptionalType Optional(TsType inner)
    {
        Guard.NotNull(inner, nameof(inner));
        if (inner is OptionalType o)
        {
            return o;
        }

        if (inner.Kind == TsTypeKind.None)
        {
            throw new ArgumentException("Optional[NoneType] is not a TorchScript type.", nameof(inner));
        }

        return new OptionalType(inner);
    }

    /// <summary><c>Tuple[items...]</c>.</summary>
    /// <param name="items">The element types, in order.</param>
    public static TupleType Tuple(params TsType[] items) => new(items);

    /// <summary><c>Tuple[items...]</c>.</summary>
    /// <param name="items">The element types, in order.</param>
    public static TupleType Tuple(IEnumerable<TsType> items) => new(items.ToArray());

    /// <summary><c>Dict[str, value]</c>.</summary>
    /// <param name="value">The value type.</param>
    public static DictType Dict(TsType value) => new(Str, value);

    /// <summary><c>Dict[key, value]</c> (key: str, int, float, bool or Tensor).</summary>
    /// <param name="key">The key type.</param>
    /// <param name="value">The value type.</param>
    public static DictType Dict(TsType key, TsType value) => new(key, value);

    /// <summary>Whether this is <c>int</c> or <c>float</c>.</summary>
    public bool IsNumber => Kind is TsTypeKind.Int or TsTypeKind.Float;

    /// <summary>
    /// Whether a value of this type may be used where <paramref name="other"/> is expected: equal types,
    /// <c>T</c> and <c>None</c> into <c>Optional[T]</c>, tuples element-wise. Lists and dicts are invariant, and int is
    /// not a subtype of float (TorchScript rules).
    /// </summary>
    /// <param name="other">The expected type.</param>
    public bool IsSubtypeOf(TsType other)
    {
        Guard.NotNull(other, nameof(other));
        if (Equals(other))
        {
            return true;
        }

        if (other is OptionalType opt)
        {
            if (Kind == TsTypeKind.None)
            {
                return true;
            }

            return this is not OptionalType && IsSubtypeOf(opt.Inner);
        }

        if (this is TupleType a && other is TupleType b && a.Items.Count == b.Items.Count)
        {
            for (var i = 0; i < a.Items.Count; i++)
            {
                if (!a.Items[i].IsSubtypeOf(b.Items[i]))
                {
                    return false;
                }
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// The type a variable gets after two control-flow paths assigned it types <paramref name="a"/> and
    /// <paramref name="b"/> (TorchScript's <c>unifyTypes</c>): equal types, or <c>T</c>/<c>None</c>/<c>Optional[T]</c>
    /// mixes giving <c>Optional[T]</c>; null when they cannot be unified.
    /// </summary>
    /// <param name="a">One type.</param>
    /// <param name="b">The other type.</param>
    public static TsType? Unify(TsType a, TsType b)
    {
        if (a.IsSubtypeOf(b))
        {
            return b;
        }

        if (b.IsSubtypeOf(a))
        {
            return a;
        }

        if (a.Kind == TsTypeKind.None && b is not OptionalType)
        {
            return Optional(b);
        }

        if (b.Kind == TsTypeKind.None && a is not OptionalType)
        {
            return Optional(a);
        }

        if (a is TupleType ta && b is TupleType tb && ta.Items.Count == tb.Items.Count)
        {
            var items = new TsType[ta.Items.Count];
            for (var i = 0; i < items.Length; i++)
            {
                var u = Unify(ta.Items[i], tb.Items[i]);
                if (u is null)
                {
                    return null;
                }

                items[i] = u;
            }

            return Tuple(items);
        }

        return null;
    }

    /// <inheritdoc/>
    public bool Equals(TsType? other) => other is not null && other.Name == Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TsType t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>The TorchScript spelling (<see cref="Name"/>).</summary>
    public override string ToString() => Name;

    private sealed class PrimitiveType(TsTypeKind kind, string name) : TsType
    {
        public override TsTypeKind Kind { get; } = kind;

        public override string Name { get; } = name;
    }
}

/// <summary><c>List[T]</c>.</summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
sealed class ListType : TsType
{
    internal ListType(TsType element)
    {
        Guard.NotNull(element, nameof(element));
        Element = element;
        Name = $"List[{element.Name}]";
    }

    /// <summary>The element type.</summary>
    public TsType Element { get; }

    /// <inheritdoc/>
    public override TsTypeKind Kind => TsTypeKind.List;

    /// <inheritdoc/>
    public override string Name { get; }
}

/// <summary><c>Optional[T]</c>.</summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
sealed class OptionalType : TsType
{
    internal OptionalType(TsType inner)
    {
        Inner = inner;
        Name = $"Optional[{inner.Name}]";
    }

    /// <summary>The type of the value when it is not <c>None</c>.</summary>
    public TsType Inner { get; }

    /// <inheritdoc/>
    public override TsTypeKind Kind => TsTypeKind.Optional;

    /// <inheritdoc/>
    public override string Name { get; }
}

/// <summary><c>Tuple[T1, ..., Tn]</c>.</summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
sealed class TupleType : TsType
{
    internal TupleType(TsType[] items)
    {
        Guard.NotNull(items, nameof(items));
        foreach (var t in items)
        {
            Guard.NotNull(t, nameof(items));
        }

        Items = items;
        Name = items.Length == 0 ? "Tuple[()]" : $"Tuple[{string.Join(", ", items.Select(t => t.Name))}]";
    }

    /// <summary>The element types.</summary>
    public IReadOnlyList<TsType> Items { get; }

    /// <inheritdoc/>
    public override TsTypeKind Kind => TsTypeKind.Tuple;

    /// <inheritdoc/>
    public override string Name { get; }
}

/// <summary><c>Dict[K, V]</c>.</summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
sealed class DictType : TsType
{
    internal DictType(TsType key, TsType value)
    {
        Guard.NotNull(key, nameof(key));
        Guard.NotNull(value, nameof(value));
        if (key.Kind is not (TsTypeKind.Str or TsTypeKind.Int or TsTypeKind.Float or TsTypeKind.Bool or TsTypeKind.Tensor))
        {
            throw new ArgumentException($"Dict keys must be str, int, float, bool or Tensor, not {key.Name}.", nameof(key));
        }

        Key = key;
        Value = value;
        Name = $"Dict[{key.Name}, {value.Name}]";
    }

    /// <summary>The key type.</summary>
    public TsType Key { get; }

    /// <summary>The value type.</summary>
    public TsType Value { get; }

    /// <inheritdoc/>
    public override TsTypeKind Kind => TsTypeKind.Dict;

    /// <inheritdoc/>
    public override string Name { get; }
}
