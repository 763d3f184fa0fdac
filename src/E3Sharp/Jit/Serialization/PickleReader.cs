using System.Buffers.Binary;
using System.Text;

namespace E3Sharp.Jit.Serialization;

/// <summary>A pickled <c>GLOBAL module name</c> reference.</summary>
/// <param name="Module">The module part (<c>torch._utils</c>, <c>__torch__.a</c>).</param>
/// <param name="Name">The name part.</param>
public sealed record PickleGlobal(string Module, string Name)
{
    /// <summary><c>module.name</c>.</summary>
    public string FullName => Module + "." + Name;
}

/// <summary>A pickled object: a class (GLOBAL) instantiated with NEWOBJ/REDUCE, with the state BUILD gave it.</summary>
/// <param name="Class">The class reference.</param>
/// <param name="Args">The constructor arguments.</param>
public sealed record PickleObject(PickleGlobal Class, IReadOnlyList<object?> Args)
{
    /// <summary>The BUILD state (a <see cref="PickleDict"/> for TorchScript modules), or null.</summary>
    public object? State { get; set; }
}

/// <summary>A pickled tuple.</summary>
/// <param name="Items">The items.</param>
public sealed record PickleTuple(IReadOnlyList<object?> Items);

/// <summary>A pickled dict, in insertion order.</summary>
public sealed class PickleDict
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
public sealed class PickleReader
{
    private static readonly object MarkObject = new();
    private readonly byte[] _data;
    private int _pos;
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object?> _memo = [];

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
        while (true)
        {
            if (_pos >= _data.Length)
            {
                throw new InvalidDataException("Pickle: unexpected end of data (no STOP).");
            }

            var op = _data[_pos++];
            switch (op)
            {
                case PickleOpcodes.Proto:
                    _pos++;
                    break;
                case PickleOpcodes.Frame:
                    _pos += 8;
                    break;
                case PickleOpcodes.Stop:
                    return Pop();
                case PickleOpcodes.Mark:
                    _stack.Add(MarkObject);
                    break;
                case PickleOpcodes.None:
                    _stack.Add(null);
                    break;
                case PickleOpcodes.NewTrue:
                    _stack.Add(true);
                    break;
                case PickleOpcodes.NewFalse:
                    _stack.Add(false);
                    break;
                case PickleOpcodes.BinInt:
                    _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4)));
                    break;
                case PickleOpcodes.BinInt1:
                    _stack.Add((long)Take(1)[0]);
                    break;
                case PickleOpcodes.BinInt2:
                    _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2)));
                    break;
                case PickleOpcodes.Long1:
                {
                    var n = Take(1)[0];
                    var bytes = Take(n);
                    if (n > 8)
                    {
                        throw new InvalidDataException("Pickle: integers wider than 64 bits are not supported.");
                    }

                    long v = 0;
                    for (var i = n - 1; i >= 0; i--)
                    {
                        v = (v << 8) | bytes[i];
                    }

                    if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0)
                    {
                        v -= 1L << (8 * n);
                    }

                    _stack.Add(v);
                    break;
                }

                case PickleOpcodes.BinFloat:
                    _stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8)));
                    break;
                case PickleOpcodes.BinUnicode:
                    _stack.Add(Encoding.UTF8.GetString(Take((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))));
                    break;
                case PickleOpcodes.ShortBinUnicode:
                    _stack.Add(Encoding.UTF8.GetString(Take(Take(1)[0])));
                    break;
                case PickleOpcodes.BinUnicode8:
                    _stack.Add(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(8))))));
                    break;
                case PickleOpcodes.ShortBinString:
                    _stack.Add(Encoding.Latin1.GetString(Take(Take(1)[0])));
                    break;
                case PickleOpcodes.BinString:
                    _stack.Add(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))));
                    break;
                case PickleOpcodes.ShortBinBytes:
                    _stack.Add(Take(Take(1)[0]).ToArray());
                    break;
                case PickleOpcodes.BinBytes:
                    _stack.Add(Take((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4))).ToArray());
                    break;
                case PickleOpcodes.EmptyTuple:
                    _stack.Add(new PickleTuple([]));
                    break;
                case PickleOpcodes.Tuple:
                    _stack.Add(new PickleTuple(PopMark()));
                    break;
                case PickleOpcodes.Tuple1:
                case PickleOpcodes.Tuple2:
                case PickleOpcodes.Tuple3:
                {
                    var n = op - PickleOpcodes.Tuple1 + 1;
                    var items = _stack.GetRange(_stack.Count - n, n).ToArray();
                    _stack.RemoveRange(_stack.Count - n, n);
                    _stack.Add(new PickleTuple(items));
                    break;
                }

                case PickleOpcodes.EmptyList:
                    _stack.Add(new List<object?>());
                    break;
                case PickleOpcodes.List:
                    _stack.Add(PopMark().ToList());
                    break;
                case PickleOpcodes.Append:
                {
                    var v = Pop();
                    AsList(Peek()).Add(v);
                    break;
                }

                case PickleOpcodes.Appends:
                {
                    var items = PopMark();
                    AsList(Peek()).AddRange(items);
                    break;
                }

                case PickleOpcodes.EmptyDict:
                    _stack.Add(new PickleDict());
                    break;
                case PickleOpcodes.Dict:
                {
                    var items = PopMark();
                    var d = new PickleDict();
                    for (var i = 0; i + 1 < items.Length; i += 2)
                    {
                        d.Set(items[i]!, items[i + 1]);
                    }

                    _stack.Add(d);
                    break;
                }

                case PickleOpcodes.SetItem:
                {
                    var v = Pop();
                    var k = Pop();
                    AsDict(Peek()).Set(k!, v);
                    break;
                }

                case PickleOpcodes.SetItems:
                {
                    var items = PopMark();
                    var d = AsDict(Peek());
                    for (var i = 0; i + 1 < items.Length; i += 2)
                    {
                        d.Set(items[i]!, items[i + 1]);
                    }

                    break;
                }

                case PickleOpcodes.Global:
                {
                    var module = ReadLine();
                    var name = ReadLine();
                    _stack.Add(new PickleGlobal(module, name));
                    break;
                }

                case PickleOpcodes.StackGlobal:
                {
                    var name = (string)Pop()!;
                    var module = (string)Pop()!;
                    _stack.Add(new PickleGlobal(module, name));
                    break;
                }

                case PickleOpcodes.Reduce:
                {
                    var args = Pop() as PickleTuple ?? throw new InvalidDataException("Pickle: REDUCE arguments are not a tuple.");
                    var callable = Pop() as PickleGlobal ?? throw new InvalidDataException("Pickle: REDUCE of a non-global callable.");
                    var handled = false;
                    var result = Reduce is null ? null : Reduce(callable, args.Items, out handled);
                    _stack.Add(handled ? result : new PickleObject(callable, args.Items));
                    break;
                }

                case PickleOpcodes.NewObj:
                {
                    var args = Pop() as PickleTuple ?? throw new InvalidDataException("Pickle: NEWOBJ arguments are not a tuple.");
                    var cls = Pop() as PickleGlobal ?? throw new InvalidDataException("Pickle: NEWOBJ of a non-global class.");
                    _stack.Add(new PickleObject(cls, args.Items));
                    break;
                }

                case PickleOpcodes.Build:
                {
                    var state = Pop();
                    if (Peek() is PickleObject o)
                    {
                        o.State = state;
                    }
                    else
                    {
                        throw new InvalidDataException("Pickle: BUILD on something that is not an object.");
                    }

                    break;
                }

                case PickleOpcodes.BinPersId:
                    _stack.Add(PersistentLoad(Pop()));
                    break;
                case PickleOpcodes.BinPut:
                    _memo[Take(1)[0]] = Peek();
                    break;
                case PickleOpcodes.LongBinPut:
                    _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek();
                    break;
                case PickleOpcodes.Memoize:
                    _memo[_memo.Count] = Peek();
                    break;
                case PickleOpcodes.BinGet:
                    _stack.Add(Memo(Take(1)[0]));
                    break;
                case PickleOpcodes.LongBinGet:
                    _stack.Add(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))));
                    break;
                case PickleOpcodes.Pop:
                    Pop();
                    break;
                case PickleOpcodes.PopMark:
                    PopMark();
                    break;
                case PickleOpcodes.Dup:
                    _stack.Add(Peek());
                    break;
                default:
                    throw new InvalidDataException($"Pickle: unsupported opcode 0x{op:x2} at offset {_pos - 1}.");
            }
        }
    }

    private object? Memo(long key) =>
        _memo.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"Pickle: memo key {key} is not set.");

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || _pos + n > _data.Length)
        {
            throw new InvalidDataException("Pickle: unexpected end of data.");
        }

        var s = _data.AsSpan(_pos, n);
        _pos += n;
        return s;
    }

    private string ReadLine()
    {
        var end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0)
        {
            throw new InvalidDataException("Pickle: unterminated GLOBAL name.");
        }

        var s = Encoding.UTF8.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private object? Pop()
    {
        if (_stack.Count == 0)
        {
            throw new InvalidDataException("Pickle: stack underflow.");
        }

        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw new InvalidDataException("Pickle: stack underflow.");

    private object?[] PopMark()
    {
        var i = _stack.LastIndexOf(MarkObject);
        if (i < 0)
        {
            throw new InvalidDataException("Pickle: MARK not found.");
        }

        var items = _stack.GetRange(i + 1, _stack.Count - i - 1).ToArray();
        _stack.RemoveRange(i, _stack.Count - i);
        return items;
    }

    private static List<object?> AsList(object? o) => o as List<object?> ?? throw new InvalidDataException("Pickle: APPEND to a non-list.");

    private static PickleDict AsDict(object? o) => o as PickleDict ?? throw new InvalidDataException("Pickle: SETITEM on a non-dict.");
}
