using System.Globalization;
using BenchmarkDotNet.Running;
using E3Sharp.Bench;
using TorchSharp;
using static TorchSharp.torch;

// Usage (from the repository root):
//   dotnet run -c Release --project bench/E3Sharp.Bench                      side-by-side table (f32 and f64; batch 1, 64, 4096)
//   dotnet run -c Release --project bench/E3Sharp.Bench -- --quick           batch 4096, float32, fewer rounds
//   ... -- --anchor PATH --batches 1,64,4096 --dtypes f32,f64 --rounds 25 --memory-calls 10000
//   dotnet run -c Release --project bench/E3Sharp.Bench -- --edge-products [--rows 22118 --rounds 9]   samples/Potential's per-edge products
//   dotnet run -c Release --project bench/E3Sharp.Bench -- --bdn [BenchmarkDotNet arguments, e.g. --filter '*']
//   E3SHARP_BENCH_ALLOCATOR=keep dotnet run ...   glibc keeps freed memory (TorchAllocator.KeepFreedMemory), as the potential bench
torch.set_num_threads(1);
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
// Without it, the per-edge products' large intermediates are mapped afresh and page-faulted in on every call, and the
// timings measure the page faults more than the arithmetic (docs/benchmarks.md).
if (Environment.GetEnvironmentVariable("E3SHARP_BENCH_ALLOCATOR") == "keep" && !E3Sharp.TorchAllocator.KeepFreedMemory())
{
    Console.Error.WriteLine("E3SHARP_BENCH_ALLOCATOR=keep: the C library refused the settings (not glibc?)");
}

if (args.Length > 0 && args[0] == "--bdn")
{
    TensorProductBenchmarks.AnchorPath = AnchorLocator.Find(null);
    BenchmarkSwitcher.FromAssembly(typeof(TensorProductBenchmarks).Assembly).Run(args.Skip(1).ToArray());
    return 0;
}

string? Value(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

if (args.Contains("--edge-products"))
{
    EdgeProducts.Run(long.Parse(Value("--rows") ?? "22118"), int.Parse(Value("--rounds") ?? "9"));
    return 0;
}

var quick = args.Contains("--quick");
var anchorArg = Value("--anchor");
var anchor = AnchorLocator.Find(anchorArg);
if (anchorArg is not null && anchor is null)
{
    Console.Error.WriteLine($"--anchor: file not found: {anchorArg}");
    return 1;
}
var batches = (Value("--batches") ?? (quick ? "4096" : "1,64,4096")).Split(',').Select(int.Parse).ToArray();
var dtypes = (Value("--dtypes") ?? (quick ? "f32" : "f32,f64")).Split(',').Select(d => d.Trim().ToLowerInvariant() switch
{
    "f32" or "float32" => ScalarType.Float32,
    "f64" or "float64" => ScalarType.Float64,
    _ => throw new ArgumentException($"--dtypes: unknown dtype '{d}' (f32 or f64)"),
}).ToArray();
var rounds = int.Parse(Value("--rounds") ?? (quick ? "12" : "25"));
var memoryCalls = int.Parse(Value("--memory-calls") ?? (quick ? "0" : "10000"));
var memoryBatch = int.Parse(Value("--memory-batch") ?? "64");
CompareRunner.Run(new E3Sharp.Bench.CompareOptions(anchor, batches, dtypes, rounds, memoryCalls, memoryBatch));
if (quick)
{
    using var w = new TensorProductWorkload(4096);
    var flops = w.ForwardFlops();
    var bandwidth = MemoryBandwidth.MeasureGBps();
    var bytes = w.ForwardBytes();
    Console.WriteLine($"Useful work per forward (batch 4096): {flops / 1e6:F1} MFLOP; memory bandwidth (copy of 256 MiB) " +
                      $"{bandwidth:F2} GB/s; a forward moves at least {bytes / 1e6:F1} MB (bandwidth-bound time " +
                      $"{bytes / (bandwidth * 1e9) * 1e3:F2} ms)");
}
return 0;
