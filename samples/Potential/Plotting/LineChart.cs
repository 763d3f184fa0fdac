using System.Globalization;

namespace E3Sharp.Samples.Potential.Plotting;

/// <summary>One curve of a <see cref="LineChart"/>.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Color">Colour.</param>
/// <param name="Points">Points (x, y), y positive on a log axis.</param>
/// <param name="Dashed">Whether the curve is dashed.</param>
public sealed record Series(string Label, (byte R, byte G, byte B) Color, IReadOnlyList<(double X, double Y)> Points,
    bool Dashed = false);

/// <summary>A line chart with a linear x axis and a logarithmic y axis, rendered to PNG.</summary>
public sealed class LineChart
{
    /// <summary>Title above the plot.</summary>
    public string Title { get; init; } = "";

    /// <summary>x axis label.</summary>
    public string XLabel { get; init; } = "";

    /// <summary>y axis label.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>The curves.</summary>
    public List<Series> Series { get; } = new();

    /// <summary>Renders the chart.</summary>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public Canvas Render(int width = 960, int height = 600)
    {
        var points = Series.SelectMany(s => s.Points).Where(p => p.Y > 0 && double.IsFinite(p.Y)).ToList();
        if (points.Count == 0)
        {
            throw new InvalidOperationException("LineChart: no positive finite points to draw.");
        }

        var canvas = new Canvas(width, height);
        const int left = 110, right = 30, top = 60, bottom = 80;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var xMin = points.Min(p => p.X);
        var xMax = points.Max(p => p.X);
        if (xMax <= xMin)
        {
            xMax = xMin + 1;
        }

        var yLo = Math.Floor(Math.Log10(points.Min(p => p.Y)) * 4) / 4;
        var yHi = Math.Ceiling(Math.Log10(points.Max(p => p.Y)) * 4) / 4;
        if (yHi <= yLo)
        {
            yHi = yLo + 0.25;
        }

        int Px(double x) => left + (int)Math.Round((x - xMin) / (xMax - xMin) * plotW);
        int Py(double y) => top + (int)Math.Round((yHi - Math.Log10(y)) / (yHi - yLo) * plotH);

        var grid = ((byte)225, (byte)225, (byte)225);
        var black = ((byte)0, (byte)0, (byte)0);
        // y grid: 1, 2, 5 x 10^k within range.
        for (var k = (int)Math.Floor(yLo); k <= (int)Math.Ceiling(yHi); k++)
        {
            foreach (var m in new[] { 1.0, 2.0, 5.0 })
            {
                var v = m * Math.Pow(10, k);
                var lv = Math.Log10(v);
                if (lv < yLo - 1e-9 || lv > yHi + 1e-9)
                {
                    continue;
                }

                var y = Py(v);
                canvas.Line(left, y, left + plotW, y, grid);
                var label = v.ToString("G3", CultureInfo.InvariantCulture);
                canvas.Text(left - 10 - Canvas.TextWidth(label, 2), y - 7, label, black);
            }
        }

        // x grid: about 8 ticks at round steps.
        var stepX = NiceStep((xMax - xMin) / 8);
        for (var x = Math.Ceiling(xMin / stepX) * stepX; x <= xMax + 1e-9; x += stepX)
        {
            var px = Px(x);
            canvas.Line(px, top, px, top + plotH, grid);
            var label = x.ToString("G4", CultureInfo.InvariantCulture);
            canvas.Text(px - Canvas.TextWidth(label, 2) / 2, top + plotH + 10, label, black);
        }

        canvas.Line(left, top, left, top + plotH, black, 2);
        canvas.Line(left, top + plotH, left + plotW, top + plotH, black, 2);

        foreach (var s in Series)
        {
            var valid = s.Points.Where(p => p.Y > 0 && double.IsFinite(p.Y)).ToList();
            for (var i = 1; i < valid.Count; i++)
            {
                canvas.Line(Px(valid[i - 1].X), Py(valid[i - 1].Y), Px(valid[i].X), Py(valid[i].Y), s.Color, 3,
                    s.Dashed ? 8 : 0);
            }

            if (valid.Count == 1)
            {
                canvas.Fill(Px(valid[0].X) - 3, Py(valid[0].Y) - 3, 7, 7, s.Color);
            }
        }

        // Legend (top right, inside the plot).
        var legendX = left + plotW - 20 - Series.Max(s => Canvas.TextWidth(s.Label, 2)) - 50;
        var legendY = top + 12;
        foreach (var s in Series)
        {
            canvas.Line(legendX, legendY + 7, legendX + 36, legendY + 7, s.Color, 3, s.Dashed ? 8 : 0);
            canvas.Text(legendX + 46, legendY, s.Label, black);
            legendY += 24;
        }

        canvas.Text((width - Canvas.TextWidth(Title, 3)) / 2, 15, Title, black, 3);
        canvas.Text(left + (plotW - Canvas.TextWidth(XLabel, 2)) / 2, height - 35, XLabel, black);
        canvas.Text(20, top + (plotH + Canvas.TextWidth(YLabel, 2)) / 2, YLabel, black, 2, vertical: true);
        return canvas;
    }

    private static double NiceStep(double raw)
    {
        if (!(raw > 0))
        {
            return 1;
        }

        var p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        foreach (var m in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (m * p >= raw)
            {
                return Math.Max(1, m * p);
            }
        }

        return 10 * p;
    }
}
