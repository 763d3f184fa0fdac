using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Bench;

/// <summary>Options of the side-by-side comparison.</summary>
public sealed record CompareOptions(
    string? AnchorPath,
    int[] Batches,
    ScalarType[] DTypes,
    int Rounds,
    int MemoryCalls,
    int MemoryBatch);

/// <summary>
/// Runs E3Sharp (eager and compiled), e3nn's compiled anchor and the GEMM floor side by side in this process, on the
/// same inputs and weights, in interleaved rounds (the order rotates every round), one LibTorch thread; prints
/// medians and minima of wall time and the ratios to e3nn; then construct + compile time and the memory check.
/// </summary>
public static class CompareRunner
{
    private static readonly Contender[] All =
        { Contender.E3nnCompiled, Contender.E3SharpEager, Contender.E3SharpCompiled, Contender.GemmFloor };

    private static string Name(Contender c) => c switch
    {
        Contender.E3nnCompiled => "e3nn compiled (anchor)",
        Contender.E3SharpEager => "E3Sharp eager",
        Contender.E3SharpCompiled => "E3Sharp compiled",
        _ => "GEMM floor",
    };

    /// <summary>Runs the comparison and prints the report.</summary>
    public static void Run(CompareOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = inv;
        Console.WriteLine($"E3Sharp vs e3nn: FullyConnectedTensorProduct(\"{TensorProductWorkload.Irreps1}\", " +
                          $"\"{TensorProductWorkload.Irreps2}\", \"{TensorProductWorkload.IrrepsOut}\")");
        Console.WriteLine($"LibTorch threads: {torch.get_num_threads()}; load average at start: {Timing.LoadAverage():F2}; " +
                          $"{Environment.ProcessorCount} logical CPUs");
        Console.WriteLine(options.AnchorPath is null
            ? "e3nn anchor: not found (pass --anchor PATH); e3nn columns and ratios are left out"
            : $"e3nn anchor: {options.AnchorPath}");
        Console.WriteLine("Times: wall-clock ms per call, median / min over interleaved rounds (cpu = the calling thread's " +
                          "CPU time, median). Ratio: ours / e3nn (median / min). fwd+bwd: forward, then d(sum(out²)) " +
                          "with respect to x1, x2 and the weights.");

        var cold = ColdConstructAndCompile(options.AnchorPath);
        foreach (var dtype in options.DTypes)
        {
            foreach (var batch in options.Batches)
            {
                RunOne(options, batch, dtype);
            }
        }
        ConstructAndCompile(cold);
        Memory(options);
    }

    private static void RunOne(CompareOptions options, int batch, ScalarType dtype)
    {
        TensorProductWorkload w;
        try
        {
            w = new TensorProductWorkload(batch, dtype, options.AnchorPath);
        }
        catch (Exception e) when (options.AnchorPath is not null)
        {
            Console.WriteLine($"(the anchor could not run in {dtype}: {e.Message.Split('\n')[0]}; without it)");
            w = new TensorProductWorkload(batch, dtype, null);
        }
        using var workload = w;
        var contenders = All.Where(workload.Has).ToArray();
        // Calls per measurement: enough that one measurement takes a few ms.
        var repeat = batch <= 1 ? 100 : batch <= 64 ? 20 : batch <= 512 ? 4 : 1;
        for (var i = 0; i < 3; i++)
        {
            foreach (var c in contenders)
            {
                workload.Forward(c);
                workload.ForwardBackward(c);
            }
        }
        var fwd = contenders.ToDictionary(c => c, _ => new List<Sample>());
        var fb = contenders.ToDictionary(c => c, _ => new List<Sample>());
        for (var r = 0; r < options.Rounds; r++)
        {
            for (var k = 0; k < contenders.Length; k++)
            {
                var c = contenders[(k + r) % contenders.Length];
                fwd[c].Add(Timing.Measure(() => workload.Forward(c), repeat));
            }
            for (var k = 0; k < contenders.Length; k++)
            {
                var c = contenders[(k + r) % contenders.Length];
                fb[c].Add(Timing.Measure(() => workload.ForwardBackward(c), repeat));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{dtype}, batch {batch}: {options.Rounds} rounds x {repeat} call(s); load average {Timing.LoadAverage():F2}" +
                          (workload.Has(Contender.E3nnCompiled)
                              ? $"; max |E3Sharp - e3nn| = {workload.MaxDifference(Contender.E3SharpEager, Contender.E3nnCompiled):E1}"
                              : "") +
                          $"; max |compiled - eager| = {workload.MaxDifference(Contender.E3SharpCompiled, Contender.E3SharpEager):E1}");
        Console.WriteLine($"  {"",-24} {"forward ms",-17} {"cpu",7} {"ratio",-13} | {"fwd+bwd ms",-17} {"cpu",7} {"ratio",-13}");
        var hasAnchor = workload.Has(Contender.E3nnCompiled);
        foreach (var c in contenders)
        {
            string Cols(Dictionary<Contender, List<Sample>> d)
            {
                var med = Timing.Median(d[c].Select(s => s.WallMs));
                var min = Timing.Min(d[c].Select(s => s.WallMs));
                var cpu = Timing.Median(d[c].Select(s => s.CpuMs));
                var ratio = "";
                if (hasAnchor && c != Contender.E3nnCompiled)
                {
                    var a = d[Contender.E3nnCompiled];
                    ratio = $"{med / Timing.Median(a.Select(s => s.WallMs)):F2} / {min / Timing.Min(a.Select(s => s.WallMs)):F2}";
                }
                return $"{Fmt(med),8} / {Fmt(min),-6} {Fmt(cpu),7} {ratio,-13}";
            }
            Console.WriteLine($"  {Name(c),-24} {Cols(fwd)} | {Cols(fb)}");
        }
        double MedianOf(Dictionary<Contender, List<Sample>> d, Contender c) => Timing.Median(d[c].Select(s => s.WallMs));
        var floor = MedianOf(fwd, Contender.GemmFloor);
        Console.WriteLine($"  GEMM floor = [{workload.FloorRows}x32]x[32x32]; E3Sharp / floor (forward, medians): " +
                          $"eager {MedianOf(fwd, Contender.E3SharpEager) / floor:F2}, compiled {MedianOf(fwd, Contender.E3SharpCompiled) / floor:F2}" +
                          (hasAnchor ? $", e3nn {MedianOf(fwd, Contender.E3nnCompiled) / floor:F2}" : ""));
    }

    private static string Fmt(double ms) => ms >= 100 ? ms.ToString("F0") : ms >= 1 ? ms.ToString("F2") : ms.ToString("F3");

    // The first construct + compile in this process: includes the .NET JIT compiling E3Sharp's construction, tracing
    // and archive code, and the Wigner 3j caches filling. LibTorch's own one-time start (its first ops, the
    // TorchScript runtime that the first torch.jit.load initialises, and its interpreter's first run) is paid before,
    // by loading the e3nn anchor and running it once when there is one, as a Python session has paid it before e3nn
    // compiles. (bench/E3Sharp.CompileBench measures the same, and publishes with ReadyToRun.)
    private static (double Construct, double Compile, double LibTorchStart) ColdConstructAndCompile(string? anchorPath)
    {
        using (var warm = randn(4)) warm.sum().item<float>();
        var start = Stopwatch.StartNew();
        if (anchorPath is not null)
        {
            using var anchor = torch.jit.load<Tensor, Tensor, Tensor>(anchorPath);
            using var scope = NewDisposeScope();
            try
            {
                anchor.call(randn(4, new E3Sharp.O3.Irreps(TensorProductWorkload.Irreps1).Dim),
                    randn(4, new E3Sharp.O3.Irreps(TensorProductWorkload.Irreps2).Dim));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Another anchor than the float32 product benchmarked: the tables report it; its load started LibTorch.
            }
        }
        var libTorchStart = anchorPath is null ? double.NaN : start.Elapsed.TotalMilliseconds;
        var sw = Stopwatch.StartNew();
        using var tp = new E3Sharp.O3.Modules.FullyConnectedTensorProduct(
            TensorProductWorkload.Irreps1, TensorProductWorkload.Irreps2, TensorProductWorkload.IrrepsOut,
            dtype: ScalarType.Float32);
        var construct = sw.Elapsed.TotalMilliseconds;
        using var compiled = E3Sharp.Jit.TorchScript.Compile(tp);
        return (construct, sw.Elapsed.TotalMilliseconds - construct, libTorchStart);
    }

    private static void ConstructAndCompile((double Construct, double Compile, double LibTorchStart) cold)
    {
        var times = new List<(double Construct, double Compile)>();
        for (var i = 0; i < 6; i++)
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            using var tp = new E3Sharp.O3.Modules.FullyConnectedTensorProduct(
                TensorProductWorkload.Irreps1, TensorProductWorkload.Irreps2, TensorProductWorkload.IrrepsOut,
                dtype: ScalarType.Float32);
            var construct = sw.Elapsed.TotalMilliseconds;
            using var compiled = E3Sharp.Jit.TorchScript.Compile(tp);
            times.Add((construct, sw.Elapsed.TotalMilliseconds - construct));
        }
        Console.WriteLine();
        Console.WriteLine($"Construct + compile (float32, first in this process): construct {cold.Construct:F1} ms + compile " +
                          $"{cold.Compile:F1} ms = {cold.Construct + cold.Compile:F1} ms (includes the .NET JIT compiling E3Sharp's " +
                          "code, once per process; bench/E3Sharp.CompileBench published with -p:PublishReadyToRun=true measures it precompiled" +
                          (double.IsNaN(cold.LibTorchStart) ? "; LibTorch's TorchScript runtime start included)"
                              : $"; LibTorch's TorchScript runtime started before, loading and running the anchor: {cold.LibTorchStart:F1} ms)"));
        Console.WriteLine($"Construct + compile (float32, warm, median of {times.Count}): construct " +
                          $"{Timing.Median(times.Select(t => t.Construct)):F1} ms + compile {Timing.Median(times.Select(t => t.Compile)):F1} ms " +
                          $"= {Timing.Median(times.Select(t => t.Construct + t.Compile)):F1} ms (min {Timing.Min(times.Select(t => t.Construct + t.Compile)):F1} ms)");
    }

    private static void Memory(CompareOptions options)
    {
        if (options.MemoryCalls <= 0) return;
        using var w = new TensorProductWorkload(options.MemoryBatch, ScalarType.Float32, null);
        for (var i = 0; i < 200; i++) w.Forward(Contender.E3SharpCompiled);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Timing.RssMiB();
        var sw = Stopwatch.StartNew();
        var mid = 0.0;
        for (var i = 0; i < options.MemoryCalls; i++)
        {
            w.Forward(Contender.E3SharpCompiled);
            if (i == options.MemoryCalls / 2) mid = Timing.RssMiB();
        }
        var elapsed = sw.Elapsed.TotalSeconds;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var after = Timing.RssMiB();
        Console.WriteLine($"Memory: {options.MemoryCalls} compiled forward calls (batch {options.MemoryBatch}, each in a dispose " +
                          $"scope, {elapsed:F1} s): RSS before {before:F1} MiB, halfway {mid:F1} MiB, after {after:F1} MiB " +
                          $"({after - before:+0.0;-0.0} MiB)");
    }
}
