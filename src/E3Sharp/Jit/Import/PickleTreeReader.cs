using System.Buffers.Binary;
using System.Text;
using E3Sharp.Jit.Serialization;

namespace E3Sharp.Jit.Import;

/// <summary>
/// Reads a pickle (the protocol-2 subset LibTorch and PyTorch write into TorchScript archives, plus the common
/// protocol 3/4 opcodes) into a <see cref="PickleNode"/> tree without interpreting it.
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
    public static PickleNode Read(byte[] data, string what)
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
            if (pos + n > data.Length)
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

        InvalidDataException Bad(string why) => new($"Cannot read the pickle {what}: {why} at byte {pos}.");

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
                    if (stack.Count != 1)
                    {
                        throw Bad($"STOP with {stack.Count} values on the stack");
                    }

                    return stack[0];
                case PickleOpcodes.Mark:
                    stack.Add(MarkNode.Instance);
                    break;
                case PickleOpcodes.BinPut:
                    memo[Take(1)[0]] = stack[^1];
                    break;
                case PickleOpcodes.LongBinPut:
                    memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = stack[^1];
                    break;
                case PickleOpcodes.Memoize:
                    memo[memo.Count] = stack[^1];
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
                    (stack[^1] as PickleList ?? throw Bad("APPEND to a non-list")).Items.Add(v);
                    break;
                }

                case PickleOpcodes.Appends:
                {
                    var items = PopMark();
                    (stack[^1] as PickleList ?? throw Bad("APPENDS to a non-list")).Items.AddRange(items);
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
                    (stack[^1] as PickleDict ?? throw Bad("SETITEM on a non-dict")).Items.Add((k, v));
                    break;
                }

                case PickleOpcodes.SetItems:
                {
                    var items = PopMark();
                    var d = stack[^1] as PickleDict ?? throw Bad("SETITEMS on a non-dict");
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
                    var name = Pop() as PickleScalar;
                    var module = Pop() as PickleScalar;
                    stack.Add(new PickleGlobal((string)module!.Value!, (string)name!.Value!));
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
                    (stack[^1] as PickleCall ?? throw Bad("BUILD on a non-object")).State = state;
                    break;
                }

                case PickleOpcodes.BinPersId:
                    stack.Add(new PicklePersistentId(Pop()));
                    break;
                default:
                    throw Bad($"unsupported opcode 0x{op:x2}");
            }
        }
    }
}
