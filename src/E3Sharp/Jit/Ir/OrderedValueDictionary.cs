namespace E3Sharp.Jit.Ir;

/// <summary>The canonical form of a <c>Dict[K, V]</c> attribute value: keys in insertion order.</summary>
internal sealed class OrderedValueDictionary : IEnumerable<KeyValuePair<object, object?>>
{
    private readonly List<KeyValuePair<object, object?>> _items = [];
    private readonly Dictionary<object, int> _index = [];

    /// <summary>The number of entries.</summary>
    public int Count => _items.Count;

    /// <summary>Adds an entry (values are normalized with <see cref="IrValues.Normalize"/>).</summary>
    /// <param name="key">The key (string, long, double, bool).</param>
    /// <param name="value">The value.</param>
    public void Add(object key, object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        key = IrValues.Normalize(key)!;
        if (!_index.TryAdd(key, _items.Count))
        {
            throw new ArgumentException($"Duplicate dict key {key}.", nameof(key));
        }

        _items.Add(new KeyValuePair<object, object?>(key, IrValues.Normalize(value)));
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => _items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
