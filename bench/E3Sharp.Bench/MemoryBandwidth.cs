using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Bench;

/// <summary>Measures the machine's memory bandwidth with a large tensor copy (read + write).</summary>
public static class MemoryBandwidth
{
    /// <summary>Best of several copies of a 256 MiB float32 tensor, counting bytes read plus written, in GB/s.</summary>
    public static double MeasureGBps()
    {
        using var scope = NewDisposeScope();
        const long n = 64L << 20;
        var src = ones(new long[] { n }, ScalarType.Float32);
        var dst = empty(new long[] { n }, ScalarType.Float32);
        dst.copy_(src);
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            dst.copy_(src);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * sizeof(float) / best / 1e9;
    }
}
