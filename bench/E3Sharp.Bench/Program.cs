using System.Diagnostics;
using BenchmarkDotNet.Running;
using E3Sharp.Bench;
using TorchSharp;
using static TorchSharp.torch;

torch.set_num_threads(1);
if (args.Contains("--quick"))
{
    // Stopwatch timing (fast sanity run): median of interleaved rounds.
    using var w = new TensorProductWorkload();
    for (var i = 0; i < 10; i++) { w.Forward(); w.ForwardBackward(); }
    var fwd = new List<double>();
    var fb = new List<double>();
    for (var i = 0; i < 40; i++)
    {
        var sw = Stopwatch.StartNew();
        w.Forward();
        fwd.Add(sw.Elapsed.TotalMilliseconds);
        sw.Restart();
        w.ForwardBackward();
        fb.Add(sw.Elapsed.TotalMilliseconds);
    }
    fwd.Sort();
    fb.Sort();
    var flops = w.ForwardFlops();
    Console.WriteLine($"threads={torch.get_num_threads()} forward median {fwd[fwd.Count / 2]:F2} ms (min {fwd[0]:F2}); " +
                      $"forward+backward median {fb[fb.Count / 2]:F2} ms (min {fb[0]:F2})");
    Console.WriteLine($"forward {flops / 1e6:F1} MFLOP -> {flops / (fwd[fwd.Count / 2] * 1e-3) / 1e9:F2} GFLOP/s; " +
                      $"forward+backward {3 * flops / 1e6:F1} MFLOP -> {3 * flops / (fb[fb.Count / 2] * 1e-3) / 1e9:F2} GFLOP/s");
    var bandwidth = MemoryBandwidth.MeasureGBps();
    var bytes = w.ForwardBytes();
    Console.WriteLine($"memory bandwidth (copy of 256 MiB): {bandwidth:F2} GB/s; forward moves at least {bytes / 1e6:F1} MB " +
                      $"(arithmetic intensity {flops / bytes:F1} FLOP/byte; bandwidth-bound time {bytes / (bandwidth * 1e9) * 1e3:F2} ms)");
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(TensorProductBenchmarks).Assembly).Run(args);
