using System.IO.Compression;
using System.Text;
using E3Sharp.Samples.Potential.Plotting;

namespace E3Sharp.Tests.Potential;

/// <summary>The PNG writer and the learning-curve chart.</summary>
public class PlottingTests
{
    /// <summary>An independent PNG reader for 8-bit RGB, filter-0 images: checks signature and CRCs, returns pixels.</summary>
    private static (int Width, int Height, byte[] Rgb) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var pos = 8;
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        while (pos < png.Length)
        {
            var len = (png[pos] << 24) | (png[pos + 1] << 16) | (png[pos + 2] << 8) | png[pos + 3];
            var type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, len);
            var crc = (uint)((png[pos + 8 + len] << 24) | (png[pos + 9 + len] << 16) | (png[pos + 10 + len] << 8) |
                             png[pos + 11 + len]);
            Assert.Equal(BitwiseCrc32(png.AsSpan(pos + 4, 4 + len)), crc);
            if (type == "IHDR")
            {
                width = (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3];
                height = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
                Assert.Equal(8, data[8]);
                Assert.Equal(2, data[9]);
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            pos += 12 + len;
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.Equal(height * (1 + width * 3), bytes.Length);
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, bytes[y * (1 + width * 3)]);
            Array.Copy(bytes, y * (1 + width * 3) + 1, rgb, y * width * 3, width * 3);
        }

        return (width, height, rgb);
    }

    /// <summary>CRC-32 (ISO 3309, reflected 0xEDB88320) computed bit by bit, without a table.</summary>
    private static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            c ^= b;
            for (var k = 0; k < 8; k++)
            {
                c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
            }
        }

        return ~c;
    }

    [Fact]
    public void PngRoundTripsThroughAnIndependentDecoder()
    {
        var canvas = new Canvas(17, 9);
        canvas.Line(0, 0, 16, 8, (255, 0, 0));
        canvas.Set(3, 7, (1, 2, 3));
        var (w, h, rgb) = Decode(canvas.ToPng());
        Assert.Equal((17, 9), (w, h));
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = (y * w + x) * 3;
                Assert.Equal(canvas.Get(x, y), (rgb[i], rgb[i + 1], rgb[i + 2]));
            }
        }

        Assert.Equal(((byte)255, (byte)0, (byte)0), canvas.Get(0, 0));
        Assert.Equal(((byte)255, (byte)0, (byte)0), canvas.Get(16, 8));
        Assert.Equal(((byte)1, (byte)2, (byte)3), canvas.Get(3, 7));
    }

    [Fact]
    public void ChartDrawsEachSeriesInItsColour()
    {
        var chart = new LineChart { Title = "t", XLabel = "epoch", YLabel = "rmse" };
        chart.Series.Add(new Series("a", (10, 200, 30), new[] { (1.0, 1.0), (2.0, 0.1), (3.0, 0.01) }));
        var canvas = chart.Render(400, 300);
        var (_, _, rgb) = Decode(canvas.ToPng());
        var count = 0;
        for (var i = 0; i < rgb.Length; i += 3)
        {
            if (rgb[i] == 10 && rgb[i + 1] == 200 && rgb[i + 2] == 30)
            {
                count++;
            }
        }

        Assert.True(count > 300, $"the series colour should cover a line's pixels, found {count}");
        var empty = new LineChart();
        var e = Assert.Throws<InvalidOperationException>(() => empty.Render());
        Assert.Contains("no positive finite points", e.Message);
    }

    [Fact]
    public void PngWriterRejectsAWrongBufferSize()
    {
        var e = Assert.Throws<ArgumentException>(() => PngWriter.Encode(2, 2, new byte[11]));
        Assert.Contains("11 bytes do not make a 2x2 RGB image (12 needed)", e.Message);
    }
}
