using E3Sharp.Jit.Pickle.Tree;
using Tree = E3Sharp.Jit.Pickle.Tree;

namespace E3Sharp.Jit.Pickle;

/// <summary>A pickled <c>GLOBAL module name</c> reference.</summary>
/// <param name="Module">The module part (<c>torch._utils</c>, <c>__torch__.a</c>).</param>
/// <param name="Name">The name part.</param>
internal sealed record PickleGlobal(string Module, string Name)
{
    /// <summary><c>module.name</c>.</summary>
    public string FullName => Module + "." + Name;
}

/// <summary>A pickled object: a class (GLOBAL) instantiated with NEWOBJ/REDUCE, with the state BUILD gave it.</summary>
/// <param name="Class">The class reference.</param>
/// <param name="Args">The constructor arguments.</param>
internal sealed record PickleObject(PickleGlobal Class, IReadOnlyList<object?> Args)
{
    /// <summary>The BUILD state (a <see cref="PickleDict"/> for TorchScript modules), or null.</summary>
    public object? State { get; set; }
}

/// <summary>A pickled tuple.</summary>
/// <param name="Items">The items.</param>
internal sealed record PickleTuple(IReadOnlyList<object?> Items);

/// <summary>A pickled dict, in insertion order.</summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> _items = [];

    /// <summary>The entries in order.</summary>
    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    /// <summary>Sets an entry (replacing an existing key).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    public void Set(object key, object? value)
    {
        var i = _items.FindIndex(kv => Equals(kv.Key, key));
        if (i >= 0)
        {
            _items[i] = new KeyValuePair<object, object?>(key, value);
        }
        else
        {
            _items.Add(new KeyValuePair<object, object?>(key, value));
        }
    }

    /// <summary>Looks a key up.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    public bool TryGetValue(object key, out object? value)
    {
        foreach (var kv in _items)
        {
            if (Equals(kv.Key, key))
            {
                value = kv.Value;
                return true;
            }
        }

        value = null;
        return false;
    }
}

/// <summary>
/// Reads pickles (protocols 2 to 4, the opcodes PyTorch and LibTorch write) into plain values: <c>long</c>,
/// <c>double</c>, <c>bool</c>, <c>string</c>, <c>byte[]</c>, null, <see cref="List{T}"/> of object,
/// <see cref="PickleTuple"/>, <see cref="PickleDict"/>, <see cref="PickleGlobal"/> and <see cref="PickleObject"/>.
/// Persistent ids (tensor storages) and REDUCE calls are handed to callbacks so callers can rebuild tensors.
/// </summary>
/// <remarks>
/// The bytes are parsed by the library's one pickle parser (the lossless tree that archive import also uses); this
/// reader interprets that tree, children before parents (the order an unpickler runs), and a value the pickle
/// shares through its memo is interpreted once and stays shared.
/// </remarks>
internal sealed class PickleReader
{
    private readonly byte[] _data;
    private readonly Dictionary<PickleNode, object?> _done = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates a reader.</summary>
    /// <param name="data">The pickle bytes.</param>
    public PickleReader(byte[] data) => _data = data ?? throw new ArgumentNullException(nameof(data));

    /// <summary>Resolves a persistent id (BINPERSID); the default throws.</summary>
    public Func<object?, object?> PersistentLoad { get; init; } =
        pid => throw new InvalidDataException($"Pickle: persistent id {pid} but no persistent loader.");

    /// <summary>
    /// Applies a REDUCE of a global callable to its arguments; a handler that sets <c>handled</c> to false leaves a
    /// <see cref="PickleObject"/> on the stack.
    /// </summary>
    public ReduceHandler? Reduce { get; init; }

    /// <summary>Handles a REDUCE.</summary>
    /// <param name="callable">The callable's global.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="handled">Whether the handler produced the result.</param>
    public delegate object? ReduceHandler(PickleGlobal callable, IReadOnlyList<object?> args, out bool handled);

    /// <summary>Reads the whole pickle and returns its value.</summary>
    /// <exception cref="InvalidDataException">The data is not a supported pickle.</exception>
    public object? Load()
    {
        _done.Clear();
        var tree = PickleTreeReader.Read(_data, (why, offset) => $"Pickle: {why} at offset {offset}.");
        return Value(tree);
    }

    private object? Value(PickleNode node)
    {
        if (_done.TryGetValue(node, out var done))
        {
            return done;
        }

        switch (node)
        {
            case PickleScalar s:
                return _done[node] = s.Value;
            case Tree.PickleTuple t:
                return _done[node] = new PickleTuple(t.Items.Select(Value).ToArray());
            case PickleList l:
            {
                var list = new List<object?>(l.Items.Count);
                _done[node] = list;
                list.AddRange(l.Items.Select(Value));
                return list;
            }

            case Tree.PickleDict d:
            {
                var dict = new PickleDict();
                _done[node] = dict;
                foreach (var (k, v) in d.Items)
                {
                    dict.Set(Value(k)!, Value(v));
                }

                return dict;
            }

            case Tree.PickleGlobal g:
                return _done[node] = new PickleGlobal(g.Module, g.Name);
            case PickleCall c:
                return Call(c);
            case PicklePersistentId p:
                return _done[node] = PersistentLoad(Value(p.Id));
            default:
                throw new InvalidDataException("Pickle: a MARK is used as a value.");
        }
    }

    private object? Call(PickleCall c)
    {
        var op = c.IsNewObj ? "NEWOBJ" : "REDUCE";
        var callable = Value(c.Callable) as PickleGlobal ??
                       throw new InvalidDataException(c.IsNewObj ? "Pickle: NEWOBJ of a non-global class." : "Pickle: REDUCE of a non-global callable.");
        var args = Value(c.Args) as PickleTuple ?? throw new InvalidDataException($"Pickle: {op} arguments are not a tuple.");
        object? result;
        if (c.IsNewObj)
        {
            result = new PickleObject(callable, args.Items);
        }
        else
        {
            var handled = false;
            var reduced = Reduce is null ? null : Reduce(callable, args.Items, out handled);
            result = handled ? reduced : new PickleObject(callable, args.Items);
        }

        _done[c] = result;
        if (c.State is not null)
        {
            var o = result as PickleObject ?? throw new InvalidDataException("Pickle: BUILD on something that is not an object.");
            o.State = Value(c.State);
        }

        return result;
    }
}
