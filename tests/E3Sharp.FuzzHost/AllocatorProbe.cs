using System.Globalization;
using static TorchSharp.torch;

namespace E3Sharp.FuzzHost;

/// <summary>
/// <c>allocator keep|default</c>: runs 8 steps of an autograd workload with 64 MB temporaries on the main thread of a
/// fresh process (after <see cref="TorchAllocator.KeepFreedMemory"/> for <c>keep</c>) and prints "faults F1,…,F8
/// accepted B": the minor page faults of each step, and what KeepFreedMemory returned. A process of its own, because the allocator's
/// settings are process-wide and a test runner's worker threads allocate from other malloc arenas.
/// </summary>
internal static class AllocatorProbe
{
    private const long Elements = 64L * 1024 * 1024;
    private const int Steps = 8;

    public static int Run(string mode)
    {
        var accepted = mode switch
        {
            "keep" => TorchAllocator.KeepFreedMemory(),
            "default" => false,
            _ => throw new ArgumentException($"allocator: mode must be keep or default, got '{mode}'."),
        };
        set_num_threads(1);
        var faults = Enumerable.Range(0, Steps).Select(_ => FaultsWhileFilling()).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"faults {string.Join(",", faults)} accepted {accepted}"));
        return 0;
    }

    // One step of an autograd workload whose temporaries (64 MB each, above glibc's largest dynamic mmap threshold)
    // are freed at the end of the step, as in an energy+forces call.
    private static long FaultsWhileFilling()
    {
        var before = MinorFaults();
        using (var scope = NewDisposeScope())
        {
            var x = linspace(0, 1, Elements / 4).requires_grad_(true);
            var y = (x * 2).exp().mul(x).sin().sum();
            var g = autograd.grad(new[] { y }, new[] { x })[0];
            if (!(g.abs().max().item<float>() > 0))
            {
                throw new InvalidOperationException("allocator: the workload's gradient is zero.");
            }
        }

        return MinorFaults() - before;
    }

    // Field 10 of /proc/self/stat (minflt), counted after the parenthesised command name.
    private static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }
}
