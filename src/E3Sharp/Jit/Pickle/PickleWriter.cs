using System.Buffers.Binary;
using System.Text;

namespace E3Sharp.Jit.Pickle;

/// <summary>
/// Writes pickle protocol 2 with only the opcodes LibTorch's unpickler accepts (no memo, no SHORT_BINUNICODE,
/// no FRAME): the low-level half of the archive writer.
/// </summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _out = new();

    /// <summary>Starts a pickle (writes <c>PROTO 2</c>).</summary>
    public PickleWriter()
    {
        _out.WriteByte(PickleOpcodes.Proto);
        _out.WriteByte(2);
    }

    /// <summary>Writes <c>STOP</c> and returns the bytes.</summary>
    public byte[] Finish()
    {
        _out.WriteByte(PickleOpcodes.Stop);
        return _out.ToArray();
    }

    /// <summary>Writes a raw opcode.</summary>
    /// <param name="opcode">The opcode byte.</param>
    public void Op(byte opcode) => _out.WriteByte(opcode);

    /// <summary><c>MARK</c>.</summary>
    public void Mark() => Op(PickleOpcodes.Mark);

    /// <summary><c>GLOBAL module\nname\n</c>.</summary>
    /// <param name="module">The module part (<c>torch._utils</c>, <c>__torch__.a</c>).</param>
    /// <param name="name">The name part.</param>
    public void Global(string module, string name)
    {
        if (module.Contains('\n') || name.Contains('\n'))
        {
            throw new ArgumentException("GLOBAL names cannot contain newlines.");
        }

        Op(PickleOpcodes.Global);
        var bytes = Encoding.UTF8.GetBytes(module + "\n" + name + "\n");
        _out.Write(bytes);
    }

    /// <summary>An int: <c>BININT1</c>, <c>BININT2</c>, <c>BININT</c> or an 8-byte <c>LONG1</c>.</summary>
    /// <param name="value">The value.</param>
    public void Int(long value)
    {
        Span<byte> buf = stackalloc byte[8];
        if (value is >= 0 and <= 0xff)
        {
            Op(PickleOpcodes.BinInt1);
            _out.WriteByte((byte)value);
        }
        else if (value is >= 0 and <= 0xffff)
        {
            Op(PickleOpcodes.BinInt2);
            BinaryPrimitives.WriteUInt16LittleEndian(buf, (ushort)value);
            _out.Write(buf[..2]);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            Op(PickleOpcodes.BinInt);
            BinaryPrimitives.WriteInt32LittleEndian(buf, (int)value);
            _out.Write(buf[..4]);
        }
        else
        {
            Op(PickleOpcodes.Long1);
            _out.WriteByte(8);
            BinaryPrimitives.WriteInt64LittleEndian(buf, value);
            _out.Write(buf);
        }
    }

    /// <summary>A float (<c>BINFLOAT</c>, big-endian double).</summary>
    /// <param name="value">The value.</param>
    public void Float(double value)
    {
        Span<byte> buf = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(buf, value);
        Op(PickleOpcodes.BinFloat);
        _out.Write(buf);
    }

    /// <summary><c>NEWTRUE</c> / <c>NEWFALSE</c>.</summary>
    /// <param name="value">The value.</param>
    public void Bool(bool value) => Op(value ? PickleOpcodes.NewTrue : PickleOpcodes.NewFalse);

    /// <summary><c>NONE</c>.</summary>
    public void None() => Op(PickleOpcodes.None);

    /// <summary>A str (<c>BINUNICODE</c>, UTF-8).</summary>
    /// <param name="value">The value.</param>
    public void String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> buf = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buf, (uint)bytes.Length);
        Op(PickleOpcodes.BinUnicode);
        _out.Write(buf);
        _out.Write(bytes);
    }

    /// <summary><c>EMPTY_TUPLE</c>.</summary>
    public void EmptyTuple() => Op(PickleOpcodes.EmptyTuple);

    /// <summary><c>TUPLE</c> (pops to the last MARK).</summary>
    public void Tuple() => Op(PickleOpcodes.Tuple);

    /// <summary><c>EMPTY_LIST</c>.</summary>
    public void EmptyList() => Op(PickleOpcodes.EmptyList);

    /// <summary><c>APPENDS</c>.</summary>
    public void Appends() => Op(PickleOpcodes.Appends);

    /// <summary><c>EMPTY_DICT</c>.</summary>
    public void EmptyDict() => Op(PickleOpcodes.EmptyDict);

    /// <summary><c>SETITEMS</c>.</summary>
    public void SetItems() => Op(PickleOpcodes.SetItems);

    /// <summary><c>NEWOBJ</c>.</summary>
    public void NewObj() => Op(PickleOpcodes.NewObj);

    /// <summary><c>BUILD</c>.</summary>
    public void Build() => Op(PickleOpcodes.Build);

    /// <summary><c>REDUCE</c>.</summary>
    public void Reduce() => Op(PickleOpcodes.Reduce);

    /// <summary><c>BINPERSID</c>.</summary>
    public void BinPersId() => Op(PickleOpcodes.BinPersId);
}
