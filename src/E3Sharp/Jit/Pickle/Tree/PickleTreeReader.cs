using System.Buffers.Binary;
using System.Text;
using E3Sharp.Jit.Pickle;

namespace E3Sharp.Jit.Pickle.Tree;

/// <summary>
/// Reads a pickle (protocols 2 to 4: the opcodes LibTorch and PyTorch write into TorchScript archives) into a
/// <see cref="PickleNode"/> tree without interpreting it. This is the one pickle parser of the library: archive
/// import edits and re-writes the tree losslessly, and <see cref="PickleReader"/> interprets it into values.
/// </summary>
internal static class PickleTreeReader
{
    private sealed class MarkNode : PickleNode
    {
        public static readonly MarkNode Instance = new();

        public override IEnumerable<PickleNode> Children => [];

        protected override PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo) => this;
    }

    /// <summary>Reads the pickle's value.</summary>
    /// <param name="data">The pickle bytes.</param>
    /// <param name="what">What is read (for messages: <c>data.pkl of X</c>).</param>
    /// <exception cref="InvalidDataException">The bytes are not a pickle this reader understands.</exception>
    public static PickleNode Read(byte[] data, string what) =>
        Read(data, (why, offset) => $"Cannot read the pickle {what}: {why} at byte {offset}.");

    /// <summary>Reads the pickle's value, with the caller's wording of errors.</summary>
    /// <param name="data">The pickle bytes.</param>
    /// <param name="message">The message of a malformed-pickle error from what is wrong and the byte offset.</param>
    /// <exception cref="InvalidDataException">The bytes are not a pickle this reader understands.</exception>
    public static PickleNode Read(byte[] data, Func<string, int, string> message)
    {
        var stack = new List<PickleNode>();
        var memo = new Dictionary<long, PickleNode>();
        var pos = 0;

        PickleNode Pop()
        {
            if (stack.Count == 0)
            {
                throw Bad("stack underflow");
            }

            var n = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return n;
        }

        List<PickleNode> PopMark()
        {
            var i = stack.FindLastIndex(n => ReferenceEquals(n, MarkNode.Instance));
            if (i < 0)
            {
                throw Bad("MARK missing");
            }

            var items = stack.GetRange(i + 1, stack.Count - i - 1);
            stack.RemoveRange(i, stack.Count - i);
            return items;
        }

        ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || pos + n > data.Length)
            {
                throw Bad("truncated");
            }

            var s = data.AsSpan(pos, n);
            pos += n;
            return s;
        }

        string Line()
        {
            var end = Array.IndexOf(data, (byte)'\n', pos);
            if (end < 0)
            {
                throw Bad("unterminated GLOBAL");
            }

            var s = Encoding.UTF8.GetString(data, pos, end - pos);
            pos = end + 1;
            return s;
        }

        InvalidDataException Bad(string why, int? offset = null) => new(message(why, offset ?? pos));

        PickleNode Peek() => stack.Count > 0 ? stack[^1] : throw Bad("stack underflow");

        string Text(PickleNode n, string op) =>
            n is PickleScalar { Value: string s } ? s : throw Bad($"{op} name is not a str");

        while (true)
        {
            if (pos >= data.Length)
            {
                throw Bad("no STOP");
            }

            var op = data[pos++];
            switch (op)
            {
                case PickleOpcodes.Proto:
                    Take(1);
                    break;
                case PickleOpcodes.Frame:
                    Take(8);
                    break;
                case PickleOpcodes.Stop:
                {
                    // Like Python's unpickler: the value is the top of the stack (anything below it is ignored).
                    var value = Pop();
                    return ReferenceEquals(value, MarkNode.Instance) ? throw Bad("STOP on a MARK") : value;
                }

                case PickleOpcodes.Mark:
                    stack.Add(MarkNode.Instance);
                    break;
                case PickleOpcodes.BinPut:
                    memo[Take(1)[0]] = Peek();
                    break;
                case PickleOpcodes.LongBinPut:
                    memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek();
                    break;
                case PickleOpcodes.Memoize:
                    memo[memo.Count] = Peek();
                    break;
                case PickleOpcodes.BinGet:
                    stack.Add(memo.TryGetValue(Take(1)[0], out var g1) ? g1 : throw Bad("unknown memo"));
                    break;
                case PickleOpcodes.LongBinGet:
                    stack.Add(memo.TryGetValue(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), out var g4) ? g4 : throw Bad("unknown memo"));
                    break;
                case PickleOpcodes.None:
                    stack.Add(new PickleScalar(null));
                    break;
                case PickleOpcodes.NewTrue:
                    stack.Add(new PickleScalar(true));
                    break;
                case PickleOpcodes.NewFalse:
                    stack.Add(new PickleScalar(false));
                    break;
                case PickleOpcodes.BinInt:
                    stack.Add(new PickleScalar((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))));
                    break;
                case PickleOpcodes.BinInt1:
                    stack.Add(new PickleScalar((long)Take(1)[0]));
                    break;
                case PickleOpcodes.BinInt2:
                    stack.Add(new PickleScalar((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))));
                    break;
                case PickleOpcodes.Long1:
                {
                    var n = Take(1)[0];
                    if (n > 8)
                    {
                        throw Bad("integer wider than 64 bits");
                    }

                    var bytes = Take(n);
                    long v = 0;
                    for (var i = n - 1; i >= 0; i--)
                    {
                        v = (v << 8) | bytes[i];
                    }

                    if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0)
                    {
                        v -= 1L << (8 * n);
                    }

                    stack.Add(new PickleScalar(v));
                    break;
                }

                case PickleOpcodes.BinFloat:
                    stack.Add(new PickleScalar(BinaryPrimitives.ReadDoubleBigEndian(Take(8))));
                    break;
                case PickleOpcodes.BinUnicode:
                {
                    var n = (int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
                    stack.Add(new PickleScalar(Encoding.UTF8.GetString(Take(n))));
                    break;
                }

                case PickleOpcodes.ShortBinUnicode:
                {
                    var n = Take(1)[0];
                    stack.Add(new PickleScalar(Encoding.UTF8.GetString(Take(n))));
                    break;
                }

                case PickleOpcodes.BinUnicode8:
                    stack.Add(new PickleScalar(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))))));
                    break;
                case PickleOpcodes.ShortBinString:
                    stack.Add(new PickleScalar(Encoding.Latin1.GetString(Take(Take(1)[0]))));
                    break;
                case PickleOpcodes.BinString:
                    stack.Add(new PickleScalar(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))));
                    break;
                case PickleOpcodes.ShortBinBytes:
                    stack.Add(new PickleScalar(Take(Take(1)[0]).ToArray()));
                    break;
                case PickleOpcodes.BinBytes:
                    stack.Add(new PickleScalar(Take((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4))).ToArray()));
                    break;
                case PickleOpcodes.Pop:
                    Pop();
                    break;
                case PickleOpcodes.PopMark:
                    PopMark();
                    break;
                case PickleOpcodes.Dup:
                    stack.Add(Peek());
                    break;
                case PickleOpcodes.EmptyTuple:
                    stack.Add(new PickleTuple([]));
                    break;
                case PickleOpcodes.Tuple:
                    stack.Add(new PickleTuple(PopMark()));
                    break;
                case PickleOpcodes.Tuple1:
                {
                    var a = Pop();
                    stack.Add(new PickleTuple([a]));
                    break;
                }

                case PickleOpcodes.Tuple2:
                {
                    var b = Pop();
                    var a = Pop();
                    stack.Add(new PickleTuple([a, b]));
                    break;
                }

                case PickleOpcodes.Tuple3:
                {
                    var c = Pop();
                    var b = Pop();
                    var a = Pop();
                    stack.Add(new PickleTuple([a, b, c]));
                    break;
                }

                case PickleOpcodes.EmptyList:
                    stack.Add(new PickleList());
                    break;
                case PickleOpcodes.List:
                {
                    var l = new PickleList();
                    l.Items.AddRange(PopMark());
                    stack.Add(l);
                    break;
                }

                case PickleOpcodes.Append:
                {
                    var v = Pop();
                    (Peek() as PickleList ?? throw Bad("APPEND to a non-list")).Items.Add(v);
                    break;
                }

                case PickleOpcodes.Appends:
                {
                    var items = PopMark();
                    (Peek() as PickleList ?? throw Bad("APPENDS to a non-list")).Items.AddRange(items);
                    break;
                }

                case PickleOpcodes.EmptyDict:
                    stack.Add(new PickleDict());
                    break;
                case PickleOpcodes.Dict:
                {
                    var items = PopMark();
                    var d = new PickleDict();
                    for (var i = 0; i + 1 < items.Count; i += 2)
                    {
                        d.Items.Add((items[i], items[i + 1]));
                    }

                    stack.Add(d);
                    break;
                }

                case PickleOpcodes.SetItem:
                {
                    var v = Pop();
                    var k = Pop();
                    (Peek() as PickleDict ?? throw Bad("SETITEM on a non-dict")).Items.Add((k, v));
                    break;
                }

                case PickleOpcodes.SetItems:
                {
                    var items = PopMark();
                    var d = Peek() as PickleDict ?? throw Bad("SETITEMS on a non-dict");
                    for (var i = 0; i + 1 < items.Count; i += 2)
                    {
                        d.Items.Add((items[i], items[i + 1]));
                    }

                    break;
                }

                case PickleOpcodes.Global:
                {
                    var module = Line();
                    var name = Line();
                    stack.Add(new PickleGlobal(module, name));
                    break;
                }

                case PickleOpcodes.StackGlobal:
                {
                    var name = Text(Pop(), "STACK_GLOBAL");
                    var module = Text(Pop(), "STACK_GLOBAL");
                    stack.Add(new PickleGlobal(module, name));
                    break;
                }

                case PickleOpcodes.Reduce:
                {
                    var args = Pop();
                    var callable = Pop();
                    stack.Add(new PickleCall(callable, args, isNewObj: false));
                    break;
                }

                case PickleOpcodes.NewObj:
                {
                    var args = Pop();
                    var cls = Pop();
                    stack.Add(new PickleCall(cls, args, isNewObj: true));
                    break;
                }

                case PickleOpcodes.Build:
                {
                    var state = Pop();
                    (Peek() as PickleCall ?? throw Bad("BUILD on a non-object")).State = state;
                    break;
                }

                case PickleOpcodes.BinPersId:
                    stack.Add(new PicklePersistentId(Pop()));
                    break;
                default:
                    throw Bad($"unsupported opcode 0x{op:x2}", pos - 1);
            }
        }
    }
}
