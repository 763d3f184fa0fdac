using System.Collections;
using TorchSharp;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// Helpers for attribute values. Attribute and constant values are plain CLR objects: <c>long</c> (int),
/// <c>double</c> (float), <c>bool</c>, <c>string</c>, <c>null</c> (None), <see cref="torch.Tensor"/>,
/// <see cref="IReadOnlyList{T}"/> of <c>object?</c> (List), <see cref="IrTuple"/> (Tuple),
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/> of <c>object</c> to <c>object?</c> (Dict) and
/// <see cref="ModuleInstance"/> (submodules).
/// </summary>
internal static class IrValues
{
    /// <summary>
    /// Converts a convenient CLR value into the canonical form: <c>int</c>/<c>short</c>/... to <c>long</c>,
    /// <c>float</c> to <c>double</c>, arrays and other enumerables to <c>List&lt;object?&gt;</c>, <c>ITuple</c>
    /// (C# tuples) to <see cref="IrTuple"/>, dictionaries to <c>Dictionary&lt;object, object?&gt;</c> (insertion order kept).
    /// </summary>
    /// <param name="value">The value.</param>
    public static object? Normalize(object? value)
    {
        switch (value)
        {
            case null:
            case long:
            case double:
            case bool:
            case string:
            case torch.Tensor:
            case IrTuple:
            case ModuleInstance:
            case OrderedValueDictionary:
                return value;
            case int i:
                return (long)i;
            case short s:
                return (long)s;
            case sbyte sb:
                return (long)sb;
            case byte b:
                return (long)b;
            case uint ui:
                return (long)ui;
            case ushort us:
                return (long)us;
            case float f:
                return (double)f;
            case System.Runtime.CompilerServices.ITuple t:
            {
                var items = new object?[t.Length];
                for (var k = 0; k < t.Length; k++)
                {
                    items[k] = t[k];
                }

                return new IrTuple(items);
            }
            case IDictionary d:
            {
                var result = new OrderedValueDictionary();
                foreach (DictionaryEntry e in d)
                {
                    result.Add(Normalize(e.Key) ?? throw new ArgumentException("Dict keys cannot be null."), Normalize(e.Value));
                }

                return result;
            }
            case IEnumerable e:
            {
                var list = new List<object?>();
                foreach (var item in e)
                {
                    list.Add(Normalize(item));
                }

                return list;
            }
            default:
                throw new ArgumentException(
                    $"Values of CLR type {value.GetType().Name} cannot be TorchScript attribute values " +
                    "(use long, double, bool, string, null, Tensor, lists, IrTuple, dictionaries or ModuleInstance).",
                    nameof(value));
        }
    }

    /// <summary>
    /// Whether <paramref name="value"/> (normalized) is a valid value of type <paramref name="type"/>; when not,
    /// <paramref name="reason"/> says why.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="type">The declared type.</param>
    /// <param name="reason">Why the value does not fit (null when it fits).</param>
    public static bool Fits(object? value, TsType type, out string? reason)
    {
        reason = null;
        switch (type.Kind)
        {
            case TsTypeKind.Tensor:
                if (value is torch.Tensor t)
                {
                    if (t.IsInvalid)
                    {
                        reason = "the tensor was disposed";
                        return false;
                    }

                    return true;
                }

                break;
            case TsTypeKind.Int:
                if (value is long)
                {
                    return true;
                }

                break;
            case TsTypeKind.Float:
                if (value is double)
                {
                    return true;
                }

                break;
            case TsTypeKind.Bool:
                if (value is bool)
                {
                    return true;
                }

                break;
            case TsTypeKind.Str:
                if (value is string)
                {
                    return true;
                }

                break;
            case TsTypeKind.None:
                if (value is null)
                {
                    return true;
                }

                break;
            case TsTypeKind.Optional:
                return value is null || Fits(value, ((OptionalType)type).Inner, out reason);
            case TsTypeKind.List:
                if (value is IReadOnlyList<object?> list)
                {
                    var el = ((ListType)type).Element;
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (!Fits(list[i], el, out var r))
                        {
                            reason = $"item {i}: {r}";
                            return false;
                        }
                    }

                    return true;
                }

                break;
            case TsTypeKind.Tuple:
                if (value is IrTuple tuple)
                {
                    var items = ((TupleType)type).Items;
                    if (items.Count != tuple.Items.Count)
                    {
                        reason = $"the tuple has {tuple.Items.Count} items, the type {items.Count}";
                        return false;
                    }

                    for (var i = 0; i < items.Count; i++)
                    {
                        if (!Fits(tuple.Items[i], items[i], out var r))
                        {
                            reason = $"item {i}: {r}";
                            return false;
                        }
                    }

                    return true;
                }

                break;
            case TsTypeKind.Dict:
                if (value is OrderedValueDictionary dict)
                {
                    var dt = (DictType)type;
                    foreach (var (k, v) in dict)
                    {
                        if (!Fits(k, dt.Key, out var r1))
                        {
                            reason = $"key {k}: {r1}";
                            return false;
                        }

                        if (!Fits(v, dt.Value, out var r2))
                        {
                            reason = $"value of key {k}: {r2}";
                            return false;
                        }
                    }

                    return true;
                }

                break;
            case TsTypeKind.Module:
                if (value is ModuleInstance m)
                {
                    if (!ReferenceEquals(m.Class, ((ModuleType)type).Class))
                    {
                        reason = $"the module is a {m.Class.QualifiedName}, not a {type.Name}";
                        return false;
                    }

                    return true;
                }

                break;
        }

        reason = $"a value of CLR type {value?.GetType().Name ?? "null"} is not a {type.Name}";
        return false;
    }
}
