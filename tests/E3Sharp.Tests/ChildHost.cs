using System.Diagnostics;

namespace E3Sharp.Tests;

/// <summary>Runs tests/E3Sharp.FuzzHost (the build next to this test assembly's) in a child process.</summary>
internal static class ChildHost
{
    /// <summary>The host's dll: tests/E3Sharp.Tests/bin/&lt;Configuration&gt;/&lt;tfm&gt;/ → tests/E3Sharp.FuzzHost/bin/&lt;Configuration&gt;/&lt;tfm&gt;/.</summary>
    public static string HostPath { get; } = FindHost();

    /// <summary>Runs the host with <paramref name="args"/>; fails the test if it hangs or dies; returns its trimmed stdout.</summary>
    public static string Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(HostPath);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        var what = string.Join(' ', args);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(120)), $"host {what} hung");
        Assert.True(p.ExitCode == 0, $"host {what}: the process died (exit {p.ExitCode}): {stdout} {stderr.Result}");
        return stdout.Trim();
    }

    private static string FindHost()
    {
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var tests = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(here)!)!)!)!;
        return Path.Combine(tests, "E3Sharp.FuzzHost", "bin", configuration, tfm, "E3Sharp.FuzzHost.dll");
    }
}
