using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using E3Sharp.Samples.Potential.Reference;

namespace E3Sharp.Samples.Potential.Deploy;

/// <summary>What the C++ loader printed for one configuration.</summary>
/// <param name="Energy">Total energy (eV).</param>
/// <param name="Forces">Forces <c>[N, 3]</c> (eV/Å).</param>
/// <param name="AtomicEnergy">Per-atom energies (from the pair-style method; null in tuple mode).</param>
public sealed record LoaderResult(double Energy, double[,] Forces, double[]? AtomicEnergy);

/// <summary>
/// Builds and runs <c>samples/Potential/cpp/lammps_like_loader.cpp</c> (Debian's libtorch-dev, PyTorch 1.13), the
/// program that loads a deployed archive the way a LAMMPS pair style does.
/// </summary>
public static class CppLoader
{
    /// <summary>The repository root (the folder holding <c>E3Sharp.slnx</c>), searched upwards from the app folder.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "E3Sharp.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"CppLoader: no folder above {AppContext.BaseDirectory} holds E3Sharp.slnx (the repository root).");
    }

    /// <summary>Whether the LibTorch C++ headers are installed (Debian's libtorch-dev).</summary>
    public static bool LibTorchAvailable => File.Exists("/usr/include/torch/script.h");

    /// <summary>Builds the loader (skipped when up to date) and returns the executable's path.</summary>
    public static string Build()
    {
        var root = RepositoryRoot();
        var script = Path.Combine(root, "samples", "Potential", "cpp", "build.sh");
        var output = Path.Combine(root, "artifacts", "potential", "lammps_like_loader");
        var (code, stdout, stderr) = Exec("bash", new[] { script, output }, TimeSpan.FromMinutes(10));
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"CppLoader: building {script} failed with exit code {code}:\n{stderr}\n{stdout}");
        }

        return output;
    }

    /// <summary>Writes a configuration in the loader's text format (<c>N</c>, then <c>type x y z</c> lines).</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="path">File to write.</param>
    public static void WriteConfiguration(Configuration configuration, string path)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var sb = new StringBuilder();
        sb.Append(configuration.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        for (var i = 0; i < configuration.Count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{configuration.Species[i]} {configuration.Positions[i, 0]:R} ")
                .Append(CultureInfo.InvariantCulture, $"{configuration.Positions[i, 1]:R} {configuration.Positions[i, 2]:R}\n");
        }

        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>Runs the loader on one configuration.</summary>
    /// <param name="loader">The executable (from <see cref="Build"/>).</param>
    /// <param name="archive">The deployed archive.</param>
    /// <param name="configuration">The configuration.</param>
    /// <param name="tuple">Call <c>forward(pos, edge_index, atom_types)</c> instead of the Dict method.</param>
    /// <param name="method">Name of the Dict method.</param>
    public static LoaderResult Run(string loader, string archive, Configuration configuration, bool tuple = false,
        string method = Deployment.PairMethodName)
    {
        var config = Path.Combine(Path.GetTempPath(), $"e3sharp-potential-{Guid.NewGuid():N}.txt");
        try
        {
            WriteConfiguration(configuration, config);
            var args = new List<string> { archive, config };
            if (tuple)
            {
                args.Add("--tuple");
            }
            else
            {
                args.Add("--method");
                args.Add(method);
            }

            var (code, stdout, stderr) = Exec(loader, args, TimeSpan.FromMinutes(2));
            if (code != 0)
            {
                throw new InvalidOperationException($"CppLoader: {loader} exited with code {code}:\n{stderr}");
            }

            return Parse(stdout);
        }
        finally
        {
            File.Delete(config);
        }
    }

    /// <summary>Parses the loader's JSON output.</summary>
    /// <param name="json">The printed JSON.</param>
    public static LoaderResult Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var rows = root.GetProperty("forces").EnumerateArray().ToList();
        var forces = new double[rows.Count, 3];
        for (var i = 0; i < rows.Count; i++)
        {
            var k = 0;
            foreach (var v in rows[i].EnumerateArray())
            {
                forces[i, k++] = v.GetDouble();
            }
        }

        double[]? atomic = root.TryGetProperty("atomic_energy", out var a)
            ? a.EnumerateArray().Select(v => v.GetDouble()).ToArray()
            : null;
        return new LoaderResult(root.GetProperty("energy").GetDouble(), forces, atomic);
    }

    private static (int Code, string Stdout, string Stderr) Exec(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"CppLoader: could not start {file}.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"CppLoader: {file} did not finish within {timeout}.");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
