namespace E3Sharp.Samples.Potential.Plotting;

/// <summary>A small RGB raster with lines, rectangles and a built-in 5x7 pixel font (upper-case text).</summary>
public sealed class Canvas
{
    private static readonly Dictionary<char, byte[]> Font = new()
    {
        ['0'] = new byte[] { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E },
        ['1'] = new byte[] { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E },
        ['2'] = new byte[] { 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F },
        ['3'] = new byte[] { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E },
        ['4'] = new byte[] { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 },
        ['5'] = new byte[] { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E },
        ['6'] = new byte[] { 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E },
        ['7'] = new byte[] { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 },
        ['8'] = new byte[] { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E },
        ['9'] = new byte[] { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C },
        ['A'] = new byte[] { 0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11 },
        ['B'] = new byte[] { 0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E },
        ['C'] = new byte[] { 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E },
        ['D'] = new byte[] { 0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C },
        ['E'] = new byte[] { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F },
        ['F'] = new byte[] { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10 },
        ['G'] = new byte[] { 0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F },
        ['H'] = new byte[] { 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 },
        ['I'] = new byte[] { 0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E },
        ['J'] = new byte[] { 0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C },
        ['K'] = new byte[] { 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 },
        ['L'] = new byte[] { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F },
        ['M'] = new byte[] { 0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11 },
        ['N'] = new byte[] { 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11 },
        ['O'] = new byte[] { 0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E },
        ['P'] = new byte[] { 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10 },
        ['Q'] = new byte[] { 0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D },
        ['R'] = new byte[] { 0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11 },
        ['S'] = new byte[] { 0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E },
        ['T'] = new byte[] { 0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 },
        ['U'] = new byte[] { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E },
        ['V'] = new byte[] { 0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04 },
        ['W'] = new byte[] { 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A },
        ['X'] = new byte[] { 0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11 },
        ['Y'] = new byte[] { 0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04 },
        ['Z'] = new byte[] { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F },
        ['.'] = new byte[] { 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C },
        [','] = new byte[] { 0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08 },
        ['-'] = new byte[] { 0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00 },
        ['+'] = new byte[] { 0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00 },
        ['='] = new byte[] { 0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00 },
        ['/'] = new byte[] { 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00 },
        ['('] = new byte[] { 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02 },
        [')'] = new byte[] { 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08 },
        [':'] = new byte[] { 0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00 },
        ['%'] = new byte[] { 0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03 },
        ['_'] = new byte[] { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F },
        ['<'] = new byte[] { 0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02 },
        ['>'] = new byte[] { 0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08 },
        [' '] = new byte[] { 0, 0, 0, 0, 0, 0, 0 },
    };

    private readonly byte[] _rgb;

    /// <summary>Creates a white canvas.</summary>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public Canvas(int width, int height)
    {
        if (width < 1 || height < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Canvas: size {width}x{height} must be positive.");
        }

        Width = width;
        Height = height;
        _rgb = new byte[width * height * 3];
        Array.Fill(_rgb, (byte)255);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Sets one pixel (outside the canvas: ignored).</summary>
    /// <param name="x">Column.</param>
    /// <param name="y">Row (0 at the top).</param>
    /// <param name="color">Colour.</param>
    public void Set(int x, int y, (byte R, byte G, byte B) color)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height)
        {
            return;
        }

        var i = (y * Width + x) * 3;
        _rgb[i] = color.R;
        _rgb[i + 1] = color.G;
        _rgb[i + 2] = color.B;
    }

    /// <summary>Reads one pixel.</summary>
    /// <param name="x">Column.</param>
    /// <param name="y">Row.</param>
    public (byte R, byte G, byte B) Get(int x, int y)
    {
        var i = (y * Width + x) * 3;
        return (_rgb[i], _rgb[i + 1], _rgb[i + 2]);
    }

    /// <summary>Draws a line (Bresenham) of the given thickness; <paramref name="dash"/> &gt; 0 draws dashes of that length.</summary>
    /// <param name="x0">Start column.</param>
    /// <param name="y0">Start row.</param>
    /// <param name="x1">End column.</param>
    /// <param name="y1">End row.</param>
    /// <param name="color">Colour.</param>
    /// <param name="thickness">Thickness in pixels.</param>
    /// <param name="dash">Dash length (0: solid).</param>
    public void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) color, int thickness = 1, int dash = 0)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
        int dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
        var err = dx + dy;
        var step = 0;
        while (true)
        {
            if (dash <= 0 || step / dash % 2 == 0)
            {
                for (var a = 0; a < thickness; a++)
                {
                    for (var b = 0; b < thickness; b++)
                    {
                        Set(x0 + a - thickness / 2, y0 + b - thickness / 2, color);
                    }
                }
            }

            step++;
            if (x0 == x1 && y0 == y1)
            {
                break;
            }

            var e2 = 2 * err;
            if (e2 >= dy)
            {
                err += dy;
                x0 += sx;
            }

            if (e2 <= dx)
            {
                err += dx;
                y0 += sy;
            }
        }
    }

    /// <summary>Fills a rectangle.</summary>
    /// <param name="x">Left column.</param>
    /// <param name="y">Top row.</param>
    /// <param name="w">Width.</param>
    /// <param name="h">Height.</param>
    /// <param name="color">Colour.</param>
    public void Fill(int x, int y, int w, int h, (byte, byte, byte) color)
    {
        for (var j = y; j < y + h; j++)
        {
            for (var i = x; i < x + w; i++)
            {
                Set(i, j, color);
            }
        }
    }

    /// <summary>Width in pixels of <paramref name="text"/> at the given scale.</summary>
    /// <param name="text">Text.</param>
    /// <param name="scale">Pixel scale of the 5x7 font.</param>
    public static int TextWidth(string text, int scale) => text.Length * 6 * scale - scale;

    /// <summary>Draws text (letters are drawn upper-case; unknown characters as blanks).</summary>
    /// <param name="x">Left column.</param>
    /// <param name="y">Top row.</param>
    /// <param name="text">Text.</param>
    /// <param name="color">Colour.</param>
    /// <param name="scale">Pixel scale of the 5x7 font.</param>
    /// <param name="vertical">Draw bottom-to-top (rotated 90° counter-clockwise).</param>
    public void Text(int x, int y, string text, (byte, byte, byte) color, int scale = 2, bool vertical = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cx = 0;
        foreach (var ch in text.ToUpperInvariant())
        {
            var glyph = Font.TryGetValue(ch, out var g) ? g : Font[' '];
            for (var row = 0; row < 7; row++)
            {
                for (var col = 0; col < 5; col++)
                {
                    if ((glyph[row] & (0x10 >> col)) == 0)
                    {
                        continue;
                    }

                    for (var a = 0; a < scale; a++)
                    {
                        for (var b = 0; b < scale; b++)
                        {
                            var px = cx + col * scale + a;
                            var py = row * scale + b;
                            if (vertical)
                            {
                                Set(x + py, y - px, color);
                            }
                            else
                            {
                                Set(x + px, y + py, color);
                            }
                        }
                    }
                }
            }

            cx += 6 * scale;
        }
    }

    /// <summary>Encodes the canvas as PNG.</summary>
    public byte[] ToPng() => PngWriter.Encode(Width, Height, _rgb);
}
