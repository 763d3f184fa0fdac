using System;
using System.Collections.Generic;
using System.Linq;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

/// <summary>What the translator needs of the shared IR core's types beyond the runtime's own API.</summary>
internal static class IrCoreExtensions
{
    extension(TsType t)
    {
        /// <summary>C# code building this type at run time (uses the generated file's <c>__Ir</c> alias).</summary>
        public string Code => t switch
        {
            ListType l => $"__Ir.TsType.List({l.Element.Code})",
            OptionalType o => $"__Ir.TsType.Optional({o.Inner.Code})",
            DictType d => $"__Ir.TsType.Dict({d.Key.Code}, {d.Value.Code})",
            TupleType tu => $"__Ir.TsType.Tuple({string.Join(", ", tu.Items.Select(i => i.Code))})",
            _ => "__Ir.TsType." + t.Kind,
        };

        /// <summary>The element type of a list, the inner type of an optional.</summary>
        public TsType Element => t switch
        {
            ListType l => l.Element,
            OptionalType o => o.Inner,
            _ => throw new InvalidOperationException($"{t.Name} has no element type."),
        };

        /// <summary>The component types: a tuple's items, a dict's key and value, a list's or optional's element.</summary>
        public IReadOnlyList<TsType> Items => t switch
        {
            TupleType tu => tu.Items,
            DictType d => new[] { d.Key, d.Value },
            ListType or OptionalType => new[] { t.Element },
            _ => Array.Empty<TsType>(),
        };
    }

    /// <summary><c>Optional[inner]</c>, or <paramref name="inner"/> itself when it is already optional or None (where
    /// the runtime's factory would refuse <c>Optional[NoneType]</c>, a C# nullable of None is still None).</summary>
    public static TsType OptionalOf(TsType inner) => inner.Kind is TsTypeKind.Optional or TsTypeKind.None ? inner : TsType.Optional(inner);

    /// <summary>Whether the table has an overload of <paramref name="name"/> callable as a tensor method.</summary>
    public static bool HasMethod(this OpTable table, string name) => table.Overloads(name).Any(o => o.IsMethod());

    /// <summary>Whether the table has an overload of <paramref name="name"/> callable as <c>torch.name(...)</c>.</summary>
    public static bool HasFunction(this OpTable table, string name) => table.Overloads(name).Any(o => o.IsFunction());

    public static bool IsMethod(this OpSchema o) => (o.Variants & OpVariants.Method) != 0;

    public static bool IsFunction(this OpSchema o) => (o.Variants & OpVariants.Function) != 0;

    /// <summary>
    /// Whether one argument fits a parameter type, each parameter on its own: type variables bind per argument here,
    /// the validator checks that they agree across a call when the module is compiled.
    /// </summary>
    public static bool AcceptsArgument(this OpType type, TsType arg) =>
        type.Accepts(arg, new Dictionary<string, TsType>(StringComparer.Ordinal));

    /// <summary>Whether the type is a list of ints (<c>int[]</c>, <c>int[1]</c>), possibly optional: it takes ints
    /// written one by one too.</summary>
    public static bool IsIntList(this OpType type)
    {
        var t = type.Kind == OpTypeKind.Optional ? type.Element! : type;
        return t.Kind == OpTypeKind.List && t.Element!.Kind == OpTypeKind.Int;
    }
}
