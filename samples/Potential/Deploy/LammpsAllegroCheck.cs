using System.Globalization;
using System.Text.Json;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Deploy;

/// <summary>
/// Eager C# vs real LAMMPS with pair_allegro on the first MD step: the Allegro-style model (weights from
/// <c>train --model allegro</c>) evaluates the frame LAMMPS started from (<c>frame.data</c>, periodic, orthogonal box)
/// and its energy, forces and virial are compared with what <c>tests/lammps/mpi_check.py</c> recorded from LAMMPS
/// (<c>first-step.json</c>: pe, per-atom forces sorted by ID, virial in eV). The frame's coordinates are on the
/// float32-exact grid, so the float32 positions pair_allegro passes are the frame's own.
/// </summary>
public static class LammpsAllegroCheck
{
    /// <summary>Command line: <c>lammps-allegro --from DIR --first-step FILE [--float64]</c> (<c>--float64</c>: the
    /// model as <c>deploy --float64</c> writes it for <c>pair_style allegro6464</c>); ends with 'N passed, M failed'.</summary>
    /// <param name="args">Arguments after the command name.</param>
    /// <returns>Process exit code (0 when every check passed).</returns>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? from = null, firstStep = null;
        var float64 = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--from":
                    from = Next();
                    break;
                case "--first-step":
                    firstStep = Next();
                    break;
                case "--float64":
                    float64 = true;
                    break;
                default:
                    throw new ArgumentException(
                        $"lammps-allegro: unknown option '{args[i]}' (--from DIR --first-step FILE [--float64]).");
            }
        }

        if (from is null || firstStep is null)
        {
            throw new ArgumentException("lammps-allegro: needs --from DIR (train --model allegro output) and --first-step FILE.");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(firstStep));
        var root = json.RootElement;
        var dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(firstStep))!, root.GetProperty("data").GetString()!);
        var frame = ReadData(dataPath);
        var lammpsEnergy = root.GetProperty("energy").GetDouble();
        var lammpsVirial = root.GetProperty("virial").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var lammpsForces = root.GetProperty("forces").EnumerateArray()
            .SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();

        var results = Compare(from, float64 ? ScalarType.Float64 : ScalarType.Float32, frame, lammpsEnergy,
            lammpsForces, lammpsVirial);
        foreach (var r in results)
        {
            Console.WriteLine($"{(r.Passed ? "PASS" : "FAIL")} {r.Name}: {r.Value:E2} (limit {r.Limit:E0}) {r.Detail}");
        }

        var failed = results.Count(r => !r.Passed);
        Console.WriteLine($"{results.Count - failed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Evaluates the trained Allegro model on the frame and compares with LAMMPS' numbers.</summary>
    private static IReadOnlyList<LammpsResult> Compare(string from, ScalarType dtype, Configuration frame,
        double lammpsEnergy, double[] lammpsForces, double[] lammpsVirial)
    {
        using var scope = NewDisposeScope();
        // The dtype `deploy --model allegro [--float64]` wrote for LAMMPS.
        var potential = Cli.LoadTrainedAllegro(from, dtype);
        potential.eval();
        var output = potential.EvaluateConfiguration(frame);
        using var g = Graph.FromConfiguration(frame, ((Model.IPotential)potential).RMax, potential.Dtype);
        var energy = output.Energy.detach().to(ScalarType.Float64).item<double>();
        var forces = output.Forces.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var v = output.Virial.detach().to(ScalarType.Float64).reshape(3, 3);
        var virial = new[] { v[0, 0], v[1, 1], v[2, 2], v[0, 1], v[0, 2], v[1, 2] }.Select(t => t.item<double>()).ToArray();
        if (forces.Length != lammpsForces.Length)
        {
            throw new InvalidOperationException(
                $"lammps-allegro: {forces.Length / 3} atoms evaluated but LAMMPS recorded {lammpsForces.Length / 3}.");
        }

        var n = frame.Count;
        var forceDiff = forces.Zip(lammpsForces, (a, b) => Math.Abs(a - b)).Max();
        var virialDiff = virial.Zip(lammpsVirial, (a, b) => Math.Abs(a - b)).Max();
        var detail = $"({n} atoms, {g.EdgeIndex.shape[1]} edges, {potential.Dtype}; E C# {energy:R} LAMMPS {lammpsEnergy:R})";
        return new[]
        {
            new LammpsResult("Allegro eager C# vs LAMMPS first step: energy (eV/atom)", Math.Abs(energy - lammpsEnergy) / n, 1e-6, detail),
            new LammpsResult("Allegro eager C# vs LAMMPS first step: forces (eV/Å)", forceDiff, 1e-5),
            // 1e-4 eV, or 1e-5 of the largest component (the rank check's relative limit) where that is larger: a
            // float32 model's virial of 27 eV (256 atoms) summed in another order moves by about 1e-4 eV.
            new LammpsResult("Allegro eager C# vs LAMMPS first step: virial (eV)", virialDiff,
                Math.Max(1e-4, 1e-5 * virial.Max(Math.Abs)),
                $"(xx C# {virial[0]:R} LAMMPS {lammpsVirial[0]:R})"),
        };
    }

    /// <summary>A LAMMPS data file as mpi_check.py writes it (orthogonal box from 0, atom_style atomic, one line an atom).</summary>
    /// <param name="path">The data file.</param>
    public static Configuration ReadData(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var lines = File.ReadAllLines(path);
        double Number(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        var count = int.Parse(lines.First(l => l.EndsWith(" atoms", StringComparison.Ordinal)).Split(' ')[0], CultureInfo.InvariantCulture);
        var box = new double[3, 3];
        foreach (var (tag, k) in new[] { ("xlo xhi", 0), ("ylo yhi", 1), ("zlo zhi", 2) })
        {
            var parts = lines.First(l => l.EndsWith(tag, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (Number(parts[0]) != 0)
            {
                throw new InvalidDataException($"lammps-allegro: {path}: the box must start at 0 ({tag}).");
            }

            box[k, k] = Number(parts[1]);
        }

        var start = Array.FindIndex(lines, l => l.StartsWith("Atoms", StringComparison.Ordinal)) + 2;
        var pos = new double[count, 3];
        var species = new int[count];
        for (var m = 0; m < count; m++)
        {
            var t = lines[start + m].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var id = int.Parse(t[0], CultureInfo.InvariantCulture) - 1;
            species[id] = int.Parse(t[1], CultureInfo.InvariantCulture) - 1;
            for (var k = 0; k < 3; k++)
            {
                pos[id, k] = Number(t[2 + k]);
            }
        }

        return new Configuration(pos, species) { Cell = box, Pbc = new[] { true, true, true } };
    }
}
