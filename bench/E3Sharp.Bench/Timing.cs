using System.Diagnostics;
using System.Runtime.InteropServices;

namespace E3Sharp.Bench;

/// <summary>Wall-clock and calling-thread CPU time of one measurement, in milliseconds.</summary>
public readonly record struct Sample(double WallMs, double CpuMs);

/// <summary>Timing helpers: wall clock plus the calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), which
/// leaves out the time the thread waited for a core on a loaded machine (with one LibTorch thread all the work runs on
/// the calling thread).</summary>
public static class Timing
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGettime(int clock, out Timespec ts);

    private static readonly bool HasThreadClock = OperatingSystem.IsLinux() && TryThreadClock(out _);

    private static bool TryThreadClock(out double ms)
    {
        try
        {
            var ok = ClockGettime(3, out var ts) == 0;
            ms = ts.Sec * 1e3 + ts.Nsec / 1e6;
            return ok;
        }
        catch (Exception)
        {
            ms = double.NaN;
            return false;
        }
    }

    /// <summary>CPU time of the calling thread in milliseconds (NaN where not available).</summary>
    public static double ThreadCpuMs() => HasThreadClock && TryThreadClock(out var ms) ? ms : double.NaN;

    /// <summary>Runs <paramref name="action"/> <paramref name="repeat"/> times; returns the time per call.</summary>
    public static Sample Measure(Action action, int repeat)
    {
        var cpu0 = ThreadCpuMs();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < repeat; i++) action();
        var wall = sw.Elapsed.TotalMilliseconds;
        var cpu = ThreadCpuMs() - cpu0;
        return new Sample(wall / repeat, cpu / repeat);
    }

    /// <summary>Median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var a = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        if (a.Length == 0) return double.NaN;
        return a.Length % 2 == 1 ? a[a.Length / 2] : 0.5 * (a[a.Length / 2 - 1] + a[a.Length / 2]);
    }

    /// <summary>Minimum of <paramref name="values"/>.</summary>
    public static double Min(IEnumerable<double> values)
    {
        var a = values.Where(v => !double.IsNaN(v)).ToArray();
        return a.Length == 0 ? double.NaN : a.Min();
    }

    /// <summary>The 1-minute load average from <c>/proc/loadavg</c>, or NaN.</summary>
    public static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception)
        {
            return double.NaN;
        }
    }

    /// <summary>Resident set size of this process in MiB (from <c>/proc/self/status</c>, else the working set).</summary>
    public static double RssMiB()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
                        System.Globalization.CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (Exception)
        {
            // fall through
        }
        return Environment.WorkingSet / (1024.0 * 1024.0);
    }
}
