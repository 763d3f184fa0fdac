using System.Globalization;

namespace E3Sharp.Tests;

/// <summary>
/// TorchAllocator.KeepFreedMemory, each case in a fresh process (tests/E3Sharp.FuzzHost <c>allocator</c>, 8 steps of
/// an autograd workload with 64 MB temporaries): with glibc's defaults every step page-faults its temporaries in
/// again; after the call the steps reuse the freed pages.
/// </summary>
public class TorchAllocatorTests
{
    private static (long[] Faults, bool Accepted) Probe(string mode)
    {
        var f = ChildHost.Run("allocator", mode).Split(' ');
        Assert.Equal(new[] { "faults", "accepted" }, new[] { f[0], f[2] });
        return (f[1].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray(), bool.Parse(f[3]));
    }

    [Fact]
    public void KeepFreedMemory_stops_the_page_faults_of_repeated_steps()
    {
        var (keep, accepted) = Probe("keep");
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(accepted);
            return;
        }

        Assert.True(accepted);
        var (defaults, _) = Probe("default");
        // With the defaults each step maps its temporaries afresh (each of the last steps faults more than half of what
        // the first did): the measurement sees the effect ...
        Assert.All(defaults.TakeLast(3), f => Assert.True(f > defaults[0] / 2, $"default steps faulted {string.Join(", ", defaults)}"));
        // ... and after KeepFreedMemory the last steps fault a small fraction of that (glibc may still place one block
        // anew while its heap settles).
        Assert.True(keep.TakeLast(3).Sum() < defaults.TakeLast(3).Sum() / 4,
            $"steps faulted {string.Join(", ", keep)} after KeepFreedMemory, {string.Join(", ", defaults)} without");
    }
}
