using System.Diagnostics;
using System.Globalization;
using System.Text;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Deploy;

/// <summary>One check of <see cref="LammpsCheck"/>: what, the measured number, the limit, and whether it holds.</summary>
/// <param name="Name">What was compared.</param>
/// <param name="Value">The measured difference or drift.</param>
/// <param name="Limit">The acceptance limit.</param>
/// <param name="Detail">Extra numbers for the log.</param>
public sealed record LammpsResult(string Name, double Value, double Limit, string Detail = "")
{
    /// <summary>Whether the value is within the limit.</summary>
    public bool Passed => Value <= Limit;
}

/// <summary>
/// Runs the deployed archive in real LAMMPS with pair_nequip (built by <c>build/lammps.sh</c>) and compares it with the
/// eager C# potential: energy, forces and virial on periodic frames with wrapping edges (a triclinic EMT frame, a
/// 108-atom fcc cell) and on a cluster in a non-periodic box; then an NVE run (total-energy drift) and, on request,
/// the time per MD step. Coordinates and boxes are put on a float32-exact grid (multiples of 2^-12 Å), because
/// pair_nequip passes float32 positions.
/// </summary>
public sealed class LammpsCheck
{
    private const double Grid = 1.0 / 4096;

    /// <summary>LAMMPS metal units: eV/Å³ to bar.</summary>
    private const double Nktv2p = 1.6021765e6;

    private readonly EnergyForces _potential;
    private readonly string _lmp;
    private readonly string _work;
    private readonly string _archive;

    /// <summary>Creates the check and deploys the potential into the work folder.</summary>
    /// <param name="potential">The potential (eval mode).</param>
    /// <param name="lmp">Path of the LAMMPS binary with pair_nequip.</param>
    /// <param name="work">Folder for inputs, logs and the archive.</param>
    public LammpsCheck(EnergyForces potential, string lmp, string work)
    {
        ArgumentNullException.ThrowIfNull(potential);
        ArgumentNullException.ThrowIfNull(lmp);
        ArgumentNullException.ThrowIfNull(work);
        if (!File.Exists(lmp))
        {
            throw new FileNotFoundException($"LammpsCheck: no LAMMPS binary at {lmp} (bash build/lammps.sh builds it).");
        }

        _potential = potential;
        _lmp = Path.GetFullPath(lmp);
        _work = Path.GetFullPath(work);
        Directory.CreateDirectory(_work);
        _archive = Path.Combine(_work, "model.pth");
        File.WriteAllBytes(_archive, Deployment.Archive(potential));
    }

    /// <summary>Messages for the log, as they happen.</summary>
    public Action<string> Log { get; set; } = Console.WriteLine;

    /// <summary>Single-point comparison of one frame: energy, forces, virial (eager C# vs LAMMPS).</summary>
    /// <param name="name">Label (also the file prefix).</param>
    /// <param name="frame">The configuration (a LAMMPS-shaped cell, or none for a non-periodic box).</param>
    public IReadOnlyList<LammpsResult> SinglePoint(string name, Configuration frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var dir = Path.Combine(_work, name);
        Directory.CreateDirectory(dir);
        var box = frame.Cell ?? ClusterBox(frame);
        File.WriteAllText(Path.Combine(dir, "frame.data"), DataFile(frame, box));
        var boundary = frame.IsPeriodic ? "p p p" : "f f f";
        File.WriteAllText(Path.Combine(dir, "in.lmp"), Header(boundary) + """
            compute vir all pressure NULL virial
            thermo_style custom step pe c_vir[1] c_vir[2] c_vir[3] c_vir[4] c_vir[5] c_vir[6] vol
            thermo_modify format float %.17g
            dump d all custom 1 forces.dump id fx fy fz
            dump_modify d sort id format float %.17g
            run 0
            """);
        var log = RunLammps(dir);
        var thermo = ThermoRows(log).First();
        var volume = thermo[8];
        var lammpsVirial = new double[6];
        for (var k = 0; k < 6; k++)
        {
            lammpsVirial[k] = thermo[2 + k] * volume / Nktv2p;
        }

        var lammpsForces = ReadForces(Path.Combine(dir, "forces.dump"), frame.Count);
        using var scope = NewDisposeScope();
        using var g = Graph.FromConfiguration(frame, _potential.Model.Config.RMax, _potential.Dtype);
        using var zero = 0.ToScalar();
        var wrapping = (int)g.EdgeCellShift.abs().sum(1).gt(zero).sum().item<long>();
        var output = g.Evaluate(_potential);
        var energy = output.Energy.to(ScalarType.Float64).item<double>();
        var forces = output.Forces.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var v = output.Virial.detach().to(ScalarType.Float64).reshape(3, 3);
        var virial = new[] { v[0, 0], v[1, 1], v[2, 2], v[0, 1], v[0, 2], v[1, 2] }.Select(t => t.item<double>()).ToArray();
        var forceDiff = forces.Zip(lammpsForces, (a, b) => Math.Abs(a - b)).Max();
        var virialDiff = virial.Zip(lammpsVirial, (a, b) => Math.Abs(a - b)).Max();
        var detail = $"{frame.Count} atoms, {g.EdgeIndex.shape[1]} edges ({wrapping} wrapping)";
        Log($"  {name}: {detail}; E C# {energy:R} LAMMPS {thermo[1]:R}; virial xx C# {virial[0]:R} LAMMPS {lammpsVirial[0]:R}");
        // 1e-5 eV for the 32-atom EMT frame; a float32 total summed in another order moves by rounding units of the
        // atomic energies' terms (order 1 eV), so the limit grows with the atom count (108 atoms at r_max 5 Å: 1.4e-5).
        var energyLimit = 1e-5 * Math.Max(1.0, frame.Count / 32.0);
        return new[]
        {
            new LammpsResult($"{name} energy (eV)", Math.Abs(energy - thermo[1]), energyLimit, detail),
            new LammpsResult($"{name} forces (eV/Å)", forceDiff, 1e-5, detail),
            new LammpsResult($"{name} virial (eV)", virialDiff, 1e-4, detail),
        };
    }

    /// <summary>NVE run: total-energy drift per atom (largest deviation from the first step) and ms per step.</summary>
    /// <param name="name">Label.</param>
    /// <param name="frame">Periodic starting configuration.</param>
    /// <param name="steps">Number of 1 fs steps.</param>
    /// <param name="temperature">Initial temperature (K).</param>
    /// <param name="limit">Acceptance limit on the drift (eV/atom).</param>
    public (LammpsResult Drift, double MsPerStep, double MeanTemperature) Nve(string name, Configuration frame, int steps,
        double temperature = 300, double limit = 1e-4)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var dir = Path.Combine(_work, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "frame.data"), DataFile(frame, frame.Cell!));
        var every = Math.Max(1, steps / 100);
        File.WriteAllText(Path.Combine(dir, "in.lmp"), Header("p p p") + $"""
            velocity all create {temperature.ToString(CultureInfo.InvariantCulture)} 4928459 mom yes rot no dist gaussian
            timestep 0.001
            fix integrate all nve
            thermo {every}
            thermo_style custom step temp pe ke etotal press
            thermo_modify format float %.17g
            run {steps}
            """);
        var log = RunLammps(dir);
        var rows = ThermoRows(log).ToList();
        var e0 = rows[0][4];
        var drift = rows.Max(r => Math.Abs(r[4] - e0)) / frame.Count;
        var endDrift = (rows[^1][4] - e0) / frame.Count;
        var peRange = rows.Max(r => r[2]) - rows.Min(r => r[2]);
        var meanT = rows.Skip(rows.Count / 2).Average(r => r[1]);
        var ms = LoopTime(log) * 1000 / steps;
        var detail = $"{steps} steps, {frame.Count} atoms, mean T {meanT:F0} K, end drift {endDrift:E2} eV/atom, " +
                     $"PE range {peRange:F4} eV, {ms:F1} ms/step";
        Log($"  {name}: {detail}");
        return (new LammpsResult($"{name} NVE total-energy drift (eV/atom)", drift, limit, detail), ms, meanT);
    }

    /// <summary>Milliseconds per MD step (NVE) for a periodic configuration.</summary>
    /// <param name="frame">The configuration.</param>
    /// <param name="steps">Timed steps (after 5 warm-up steps).</param>
    public double MsPerStep(Configuration frame, int steps)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var dir = Path.Combine(_work, $"timing-{frame.Count}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "frame.data"), DataFile(frame, frame.Cell!));
        File.WriteAllText(Path.Combine(dir, "in.lmp"), Header("p p p") + $"""
            velocity all create 300 4928459 mom yes rot no dist gaussian
            timestep 0.001
            fix integrate all nve
            thermo 1000
            run 5
            run {steps}
            """);
        var log = RunLammps(dir);
        return LoopTime(log) * 1000 / steps;
    }

    /// <summary>A configuration moved to a LAMMPS-shaped cell (a along x, b in the xy plane) by a rotation, with
    /// positions and cell on the float32-exact grid; labels are dropped (they would need the same rotation).</summary>
    /// <param name="frame">A periodic configuration.</param>
    public static Configuration ToLammpsCell(Configuration frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var c = frame.Cell ?? throw new ArgumentException("LammpsCheck: the frame has no cell.", nameof(frame));
        double Dot(double[] x, double[] y) => x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
        double[] Row(int r) => new[] { c[r, 0], c[r, 1], c[r, 2] };
        double[] a = Row(0), b = Row(1), cc = Row(2);
        var lx = Math.Sqrt(Dot(a, a));
        var ex = a.Select(t => t / lx).ToArray();
        var xy = Dot(b, ex);
        var by = b.Select((t, k) => t - xy * ex[k]).ToArray();
        var ly = Math.Sqrt(Dot(by, by));
        var ey = by.Select(t => t / ly).ToArray();
        var ez = new[] { ex[1] * ey[2] - ex[2] * ey[1], ex[2] * ey[0] - ex[0] * ey[2], ex[0] * ey[1] - ex[1] * ey[0] };
        if (Dot(ez, cc) < 0)
        {
            throw new ArgumentException("LammpsCheck: the cell is left-handed.", nameof(frame));
        }

        var cell = new[,] { { lx, 0, 0 }, { xy, ly, 0 }, { Dot(cc, ex), Dot(cc, ey), Dot(cc, ez) } };
        var pos = new double[frame.Count, 3];
        for (var i = 0; i < frame.Count; i++)
        {
            var p = new[] { frame.Positions[i, 0], frame.Positions[i, 1], frame.Positions[i, 2] };
            pos[i, 0] = Dot(p, ex);
            pos[i, 1] = Dot(p, ey);
            pos[i, 2] = Dot(p, ez);
        }

        return OnGrid(new Configuration(pos, frame.Species) { Cell = cell, Pbc = new[] { true, true, true } });
    }

    /// <summary>The configuration with positions and cell rounded to multiples of 2^-12 Å (exact in float32).</summary>
    /// <param name="frame">The configuration.</param>
    public static Configuration OnGrid(Configuration frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        static double[,] Round(double[,] m)
        {
            var r = (double[,])m.Clone();
            for (var i = 0; i < r.GetLength(0); i++)
            {
                for (var k = 0; k < 3; k++)
                {
                    r[i, k] = Math.Round(r[i, k] / Grid) * Grid;
                }
            }

            return r;
        }

        return new Configuration(Round(frame.Positions), frame.Species)
        {
            Cell = frame.Cell is null ? null : Round(frame.Cell),
            Pbc = (bool[])frame.Pbc.Clone(),
        };
    }

    private string Header(string boundary)
    {
        var names = _potential.Model.Config.TypeNames;
        var masses = string.Concat(names.Select((t, k) =>
            $"mass {k + 1} {Mass(t).ToString(CultureInfo.InvariantCulture)}\n"));
        return $"""
            units metal
            atom_style atomic
            atom_modify map array
            boundary {boundary}
            newton off
            read_data frame.data
            {masses}pair_style nequip
            pair_coeff * * {_archive} {string.Join(" ", names)}
            neighbor 1.0 bin
            neigh_modify every 1 delay 0 check yes

            """;
    }

    private string DataFile(Configuration frame, double[,] box)
    {
        if (box[0, 1] != 0 || box[0, 2] != 0 || box[1, 2] != 0)
        {
            throw new ArgumentException("LammpsCheck: LAMMPS needs a = (lx, 0, 0) and b = (xy, ly, 0); use ToLammpsCell.");
        }

        string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
        var sb = new StringBuilder("E3Sharp frame\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"{frame.Count} atoms\n{_potential.Model.Config.NumSpecies} atom types\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"0 {F(box[0, 0])} xlo xhi\n0 {F(box[1, 1])} ylo yhi\n0 {F(box[2, 2])} zlo zhi\n");
        sb.Append(CultureInfo.InvariantCulture, $"{F(box[1, 0])} {F(box[2, 0])} {F(box[2, 1])} xy xz yz\n\nAtoms # atomic\n\n");
        for (var i = 0; i < frame.Count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"{i + 1} {frame.Species[i] + 1} {F(frame.Positions[i, 0])} {F(frame.Positions[i, 1])} {F(frame.Positions[i, 2])}\n");
        }

        return sb.ToString();
    }

    private static double[,] ClusterBox(Configuration frame)
    {
        // A box well around the cluster (non-periodic: only its volume enters LAMMPS' pressure).
        var max = 0.0;
        for (var i = 0; i < frame.Count; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                if (frame.Positions[i, k] < 0)
                {
                    throw new ArgumentException("LammpsCheck: put the cluster at positive coordinates.", nameof(frame));
                }

                max = Math.Max(max, frame.Positions[i, k]);
            }
        }

        var l = Math.Ceiling(max + 10);
        return new double[,] { { l, 0, 0 }, { 0, l, 0 }, { 0, 0, l } };
    }

    private string RunLammps(string dir)
    {
        var mpirun = File.Exists("/usr/bin/mpirun") ? "/usr/bin/mpirun" : null;
        var psi = new ProcessStartInfo(mpirun ?? _lmp)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (mpirun is not null)
        {
            foreach (var a in new[] { "--allow-run-as-root", "-np", "1", _lmp })
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (var a in new[] { "-in", "in.lmp", "-log", "log.lammps" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"LammpsCheck: could not start {_lmp}.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        File.WriteAllText(Path.Combine(dir, "stdout.txt"), stdout.Result + stderr.Result);
        if (p.ExitCode != 0)
        {
            var tail = string.Join("\n", (stdout.Result + stderr.Result).Split('\n').TakeLast(25));
            throw new InvalidOperationException($"LammpsCheck: LAMMPS failed in {dir} (exit {p.ExitCode}):\n{tail}");
        }

        return File.ReadAllText(Path.Combine(dir, "log.lammps"));
    }

    /// <summary>The numeric rows of the thermo output (after each "Step ..." header, until "Loop time").</summary>
    private static IEnumerable<double[]> ThermoRows(string log)
    {
        var inside = false;
        foreach (var raw in log.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("Step", StringComparison.Ordinal))
            {
                inside = true;
                continue;
            }

            if (line.StartsWith("Loop time", StringComparison.Ordinal))
            {
                inside = false;
                continue;
            }

            if (inside && line.Length > 0)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var values = new double[parts.Length];
                var ok = true;
                for (var k = 0; k < parts.Length && ok; k++)
                {
                    ok = double.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]);
                }

                if (ok)
                {
                    yield return values;
                }
            }
        }
    }

    private static double LoopTime(string log)
    {
        var line = log.Split('\n').Last(l => l.StartsWith("Loop time of ", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture);
    }

    private static double[] ReadForces(string path, int n)
    {
        var lines = File.ReadAllLines(path);
        var start = Array.FindIndex(lines, l => l.StartsWith("ITEM: ATOMS", StringComparison.Ordinal)) + 1;
        var forces = new double[3 * n];
        for (var i = 0; i < n; i++)
        {
            var parts = lines[start + i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var id = int.Parse(parts[0], CultureInfo.InvariantCulture) - 1;
            for (var k = 0; k < 3; k++)
            {
                forces[3 * id + k] = double.Parse(parts[1 + k], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return forces;
    }

    private static double Mass(string element) => element switch
    {
        "H" => 1.008, "C" => 12.011, "N" => 14.007, "O" => 15.999, "Al" => 26.982, "Si" => 28.085, "Ni" => 58.693,
        "Cu" => 63.546, "Pd" => 106.42, "Ag" => 107.87, "Pt" => 195.08, "Au" => 196.97, _ => 50.0,
    };
}
