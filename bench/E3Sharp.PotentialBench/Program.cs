using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.PotentialBench;

/// <summary>
/// The potential benchmark (issue 22): E3Sharp's NequIP-style model of samples/Potential against the same model
/// written with e3nn 0.5.6 (bench/e3nn-twin). Modes: <c>export</c> (weights and systems for the twin script),
/// <c>bench</c> (energy+forces and training step, side by side) and <c>first-compile</c> (construct + compile of the
/// whole potential, first in a fresh process). docs/benchmarks.md has the commands.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: E3Sharp.PotentialBench export --model DIR --out DIR [--sizes 64,512,4096] [--check-sizes 64,512]\n" +
                              "       E3Sharp.PotentialBench bench --model DIR --twin FILE [--train-twin FILE] [--sizes ...]\n" +
                              "           [--threads 1,2] [--seconds S] [--min-rounds N] [--max-rounds N] [--json FILE] [--no-train]\n" +
                              "           [--parameter-grads]\n" +
                              "       E3Sharp.PotentialBench first-compile --model DIR --twin FILE");
            return args.Length == 0 ? 1 : 0;
        }

        // E3SHARP_BENCH_ALLOCATOR=keep: TorchAllocator.KeepFreedMemory for every variant (the Python side gets glibc's
        // equivalent environment from bench/potential-bench.sh); otherwise glibc's defaults.
        if (Environment.GetEnvironmentVariable("E3SHARP_BENCH_ALLOCATOR") == "keep" && !TorchAllocator.KeepFreedMemory())
        {
            Console.Error.WriteLine("E3SHARP_BENCH_ALLOCATOR=keep: the C library refused the settings (not glibc?)");
        }

        // E3SHARP_BENCH_JIT_OPTIMIZE=0: LibTorch's graph executor without its optimisations (TorchScript.GraphExecutorOptimize).
        if (Environment.GetEnvironmentVariable("E3SHARP_BENCH_JIT_OPTIMIZE") == "0")
        {
            E3Sharp.Jit.TorchScript.GraphExecutorOptimize = false;
        }

        var opts = new Dictionary<string, string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument {args[i]}.");
            }

            opts[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }

        string Get(string key) => opts.TryGetValue(key, out var v) ? v : throw new ArgumentException($"--{key} is required.");
        int[] Ints(string key, string fallback) =>
            (opts.TryGetValue(key, out var v) ? v : fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        double Number(string key, double fallback) =>
            opts.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

        switch (args[0])
        {
            case "export":
                set_num_threads(1);
                Export.Run(Get("model"), Get("out"), Ints("sizes", "64,512,4096"), Ints("check-sizes", "64,512"));
                return 0;
            case "bench":
                Runner.Run(new Runner.Options(Get("model"), Get("twin"), opts.GetValueOrDefault("train-twin"),
                    Ints("sizes", "64,512,4096"), Ints("threads", "1,2"), Number("seconds", 20),
                    (int)Number("min-rounds", 5), (int)Number("max-rounds", 200), opts.GetValueOrDefault("json"),
                    !opts.ContainsKey("no-train"), opts.ContainsKey("parameter-grads")));
                return 0;
            case "first-compile":
                return FirstCompile(Get("model"), Get("twin"));
            default:
                throw new ArgumentException($"Unknown mode {args[0]}.");
        }
    }

    /// <summary>
    /// Construct + load weights + <c>TorchScript.Compile</c> of the whole potential, the first in this process, after
    /// LibTorch's own one-time TorchScript start (the twin archive loaded and run once, as any TorchScript user pays).
    /// </summary>
    private static int FirstCompile(string modelDir, string twinPath)
    {
        set_num_threads(1);
        var system = Systems.Cluster(16, 1);
        var twin = jit.load(twinPath);
        var config = System.Text.Json.JsonSerializer.Deserialize<E3Sharp.Samples.Potential.Model.ModelConfig>(
            File.ReadAllText(Path.Combine(modelDir, "config.json")))!;
        using (var g = Graph.Batch(new[] { system }, config.RMax, ScalarType.Float32))
        {
            _ = Potentials.EnergyForces(Potentials.Script(twin), g);
        }

        var jit0 = System.Runtime.JitInfo.GetCompilationTime();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var model = Potentials.Load(modelDir, ScalarType.Float32);
        var constructed = sw.Elapsed.TotalMilliseconds;
        var compiled = Potentials.Compile(model);
        var total = sw.Elapsed.TotalMilliseconds;
        var jitMs = (System.Runtime.JitInfo.GetCompilationTime() - jit0).TotalMilliseconds;
        // Process CPU time: on a loaded machine wall time measures the machine's load more than the work.
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
        using (var g = Graph.Batch(new[] { system }, config.RMax, ScalarType.Float32))
        {
            sw.Restart();
            _ = Potentials.EnergyForces(Potentials.Script(compiled), g);
        }

        var firstCall = sw.Elapsed.TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first construct+load {constructed:F1} ms, construct+load+compile {total:F1} ms (.NET JIT {jitMs:F1} ms), first energy+forces call {firstCall:F1} ms; process CPU for construct+load+compile {cpuMs:F1} ms"));
        return 0;
    }
}
