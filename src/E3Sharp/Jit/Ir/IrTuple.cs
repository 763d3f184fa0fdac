namespace E3Sharp.Jit.Ir;

/// <summary>A tuple value for attributes and constants (<c>Tuple[...]</c> types).</summary>
internal sealed class IrTuple
{
    /// <summary>Creates a tuple.</summary>
    /// <param name="items">The items (long, double, bool, string, null, Tensor, lists, tuples ...).</param>
    public IrTuple(params object?[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = items.Select(IrValues.Normalize).ToArray();
    }

    /// <summary>The items.</summary>
    public IReadOnlyList<object?> Items { get; }

    /// <inheritdoc/>
    public override string ToString() => "(" + string.Join(", ", Items.Select(i => i?.ToString() ?? "None")) + ")";
}
