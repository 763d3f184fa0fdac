using System.Buffers.Binary;
using System.Text;

namespace E3Sharp.Jit.Serialization;

/// <summary>
/// A minimal deterministic zip writer laid out like LibTorch's archives: every entry STORED (no compression),
/// its data 64-byte aligned through a local extra field <c>'FB'</c> padded with <c>'Z'</c>, a fixed DOS timestamp
/// (1980-01-01 00:00), no data descriptors. Not zip64: entries and the archive must stay below 4 GiB.
/// </summary>
internal sealed class ZipWriter
{
    private const int Alignment = 64;
    private const ushort DosTime = 0;
    private const ushort DosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01
    private readonly MemoryStream _out = new();
    private readonly List<(byte[] Name, uint Crc, uint Size, uint Offset, bool Utf8)> _entries = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Adds an entry.</summary>
    /// <param name="name">The entry name (forward slashes).</param>
    /// <param name="data">The content.</param>
    public void Add(string name, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_names.Add(name))
        {
            throw new ArgumentException($"Duplicate zip entry '{name}'.", nameof(name));
        }

        if ((ulong)data.Length + (ulong)_out.Length > uint.MaxValue - 1024)
        {
            throw new InvalidOperationException("The archive would exceed 4 GiB; zip64 is not supported.");
        }

        var nameBytes = Encoding.UTF8.GetBytes(name);
        var utf8 = nameBytes.Any(b => b >= 0x80);
        var offset = (uint)_out.Length;
        var crc = Crc32.Compute(data);
        var unpadded = offset + 30 + nameBytes.Length;
        var extraLength = 0;
        if (unpadded % Alignment != 0)
        {
            extraLength = 4 + (int)((Alignment - ((unpadded + 4) % Alignment)) % Alignment);
        }

        Span<byte> h = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 20); // version needed
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)(utf8 ? 0x0800 : 0)); // flags
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0); // STORED
        BinaryPrimitives.WriteUInt16LittleEndian(h[10..], DosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(h[12..], DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)extraLength);
        _out.Write(h);
        _out.Write(nameBytes);
        if (extraLength > 0)
        {
            Span<byte> e = stackalloc byte[4];
            e[0] = (byte)'F';
            e[1] = (byte)'B';
            BinaryPrimitives.WriteUInt16LittleEndian(e[2..], (ushort)(extraLength - 4));
            _out.Write(e);
            for (var i = 0; i < extraLength - 4; i++)
            {
                _out.WriteByte((byte)'Z');
            }
        }

        _out.Write(data);
        _entries.Add((nameBytes, crc, (uint)data.Length, offset, utf8));
    }

    /// <summary>Writes the central directory and returns the archive bytes.</summary>
    public byte[] Finish()
    {
        var cdOffset = (uint)_out.Length;
        Span<byte> c = stackalloc byte[46];
        foreach (var (name, crc, size, offset, utf8) in _entries)
        {
            c.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(c, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(c[4..], 20); // version made by
            BinaryPrimitives.WriteUInt16LittleEndian(c[6..], 20); // version needed
            BinaryPrimitives.WriteUInt16LittleEndian(c[8..], (ushort)(utf8 ? 0x0800 : 0));
            BinaryPrimitives.WriteUInt16LittleEndian(c[10..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(c[12..], DosTime);
            BinaryPrimitives.WriteUInt16LittleEndian(c[14..], DosDate);
            BinaryPrimitives.WriteUInt32LittleEndian(c[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(c[20..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(c[24..], size);
            BinaryPrimitives.WriteUInt16LittleEndian(c[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(c[42..], offset);
            _out.Write(c);
            _out.Write(name);
        }

        var cdSize = (uint)_out.Length - cdOffset;
        Span<byte> end = stackalloc byte[22];
        end.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], cdSize);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], cdOffset);
        _out.Write(end);
        if (_entries.Count > ushort.MaxValue)
        {
            throw new InvalidOperationException("Too many zip entries (zip64 is not supported).");
        }

        return _out.ToArray();
    }

    private static class Crc32
    {
        private static readonly uint[] Table = CreateTable();

        private static uint[] CreateTable()
        {
            var t = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }

                t[i] = c;
            }

            return t;
        }

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xff] ^ (crc >> 8);
            }

            return crc ^ 0xFFFFFFFFu;
        }
    }
}
