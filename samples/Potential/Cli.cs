using System.Text.Json;
using E3Sharp.Samples.Potential.Data;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Plotting;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential;

/// <summary>The sample's commands (<c>train</c>, <c>bench</c>, ...), see <see cref="Usage"/>.</summary>
public static partial class Cli
{
    /// <summary>Help text.</summary>
    public const string Usage = """
        E3Sharp potential sample: a NequIP-style equivariant potential (or, with --model allegro, an Allegro-style
        strictly local one for LAMMPS' pair_allegro over MPI), trained and deployed.

          train [--quick] [--data DIR] [--epochs N] [--minutes M] [--out DIR] [--seed S] [--threads T] [--from DIR]
              train on the EMT data (periodic fcc Cu, extended XYZ: DIR/cu_emt_{train,validation,test}.xyz,
              default samples/Potential/Data) with Adam on energies, forces and stresses; write DIR/model.bin
              (weights), config.json, learning_curve.png, metrics.json (default DIR: artifacts/potential);
              --minutes M: time budget (the learning rate decays over it); --from DIR continues from a model train
              wrote; --lr X, --final-lr X, --energy-weight W, --stress-weight W, --batch B, --train-frames N;
              the model: --r-max R, --hidden IRREPS, --layers L, --radial W,W (hidden widths of the radial MLP);
              --model allegro: the Allegro-style model (default DIR artifacts/allegro; --r-max R, --layers L)
          lammps --lmp PATH [--from DIR] [--work DIR] [--steps N] [--bench]
              run the deployed model in real LAMMPS (pair_nequip, bash build/lammps.sh) against eager C#:
              energy, forces, virial on periodic and non-periodic frames, an NVE run (drift); --bench adds
              ms per MD step for 108 and 864 atoms. Ends with 'N passed, M failed'
          lammps-allegro --from DIR --first-step FILE
              eager C# (the Allegro model in DIR) vs LAMMPS' first step with pair_allegro, as
              build/test-lammps-mpi.sh records it (FILE: first-step.json of tests/lammps/mpi_check.py)
          deploy [--model nequip|allegro] [--from DIR] [--out FILE] [--float64]
              write the model trained into DIR (default artifacts/potential) as a NequIP 0.6 archive for
              LAMMPS' pair_nequip (default FILE: model.pth); an Allegro model (config.json says which; default
              DIR artifacts/allegro with --model allegro) as pair_allegro's archive (--float64: in float64)
          bench [--atoms 108,864] [--threads T] [--float64] [--from DIR] [--compiled]
              time one energy+forces+virial evaluation (eager) on periodic fcc Cu cells of about the given sizes,
              with the architecture of the model in DIR or of `train` (--r-max, --hidden, --layers, --radial);
              --compiled: energy+forces and a training step, eager against compiled, in alternating rounds
        """;

    /// <summary>Runs a command line.</summary>
    /// <param name="args">Arguments.</param>
    /// <returns>Process exit code.</returns>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 1 : 0;
        }

        if (args[0] == "lammps-allegro")
        {
            // Eager C# vs LAMMPS (pair_allegro) on the first step; its own options (build/test-lammps-mpi.sh).
            return Deploy.LammpsAllegroCheck.Run(args.Skip(1).ToArray());
        }

        var options = Options.Parse(args.Skip(1).ToArray());
        if (options.Threads is { } threads)
        {
            set_num_threads(threads);
        }

        switch (args[0])
        {
            case "train":
                Train(options);
                return 0;
            case "bench":
                RunBench(options);
                return 0;
            case "deploy":
                DeployModel(options);
                return 0;
            case "lammps":
                return RunLammpsCheck(options);
            default:
                Console.Error.WriteLine($"Unknown command '{args[0]}'.\n{Usage}");
                return 1;
        }
    }

    /// <summary>Settings and model of a quick run (tests) or a full run (the options of <c>train</c> override them).</summary>
    /// <param name="quick">Quick mode.</param>
    public static (int TrainFrames, int HeldOutFrames, TrainOptions Train, ModelConfig Model) Preset(bool quick) => quick
        ? (16, 6, new TrainOptions { Epochs = 3, BatchSize = 2, FinalLearningRate = 3e-3, EnergyWeight = 10 },
            new ModelConfig { RMax = EmtRMax })
        : (96, int.MaxValue, new TrainOptions { Epochs = 14, BatchSize = 4, EnergyWeight = 10 },
            new ModelConfig { RMax = EmtRMax });

    /// <summary>
    /// The default cutoff for the EMT copper data (Å): first and second neighbour shells, 18 neighbours (EMT's own
    /// cutoff for Cu is a Fermi function centred at 4.77 Å, past the third shell at 4.43 Å; <c>--r-max</c> changes it).
    /// </summary>
    public const double EmtRMax = 4.0;

    /// <summary>Writes the weights and the hyper-parameters `--from DIR` reads (model.bin, config.json).</summary>
    private static void SaveWeights(IPotential potential, object config, string dir)
    {
        Directory.CreateDirectory(dir);
        potential.Module.save(Path.Combine(dir, "model.bin"));
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config, config.GetType(),
            new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void Train(Options o)
    {
        var preset = Preset(o.Quick);
        var trainOptions = preset.Train with
        {
            // A time budget without an epoch count: the budget alone ends the run.
            Epochs = o.Epochs ?? (o.Minutes is null ? preset.Train.Epochs : 100_000),
            TimeLimit = o.Minutes is { } m ? TimeSpan.FromMinutes(m) : null,
            LearningRate = o.LearningRate ?? preset.Train.LearningRate,
            FinalLearningRate = o.FinalLearningRate ?? preset.Train.FinalLearningRate,
            EnergyWeight = o.EnergyWeight ?? preset.Train.EnergyWeight,
            StressWeight = o.StressWeight ?? preset.Train.StressWeight,
            BatchSize = o.BatchSize ?? preset.Train.BatchSize,
        };
        Directory.CreateDirectory(o.Out);
        var dataDir = o.Data ?? EmtData.DefaultDirectory();
        var types = new List<string>();
        var data = EmtData.Load(dataDir, types, o.TrainFrames ?? preset.TrainFrames, preset.HeldOutFrames);
        var forceStd = Dataset.ForceStd(data.Test);
        Console.WriteLine($"EMT data from {dataDir}: {data.Train.Count} training, {data.Validation.Count} validation, " +
                          $"{data.Test.Count} test configurations (species {string.Join(" ", types)}); test force std " +
                          $"{forceStd:F4} eV/Å");

        manual_seed(o.Seed);
        // --from DIR continues training a model `train` wrote (its scale and shifts are kept).
        var (potential, config) = o.From is { } from ? LoadAny(from) : CreateModel(o, preset.Model, types, data.Train);
        Console.WriteLine($"Model: {Describe(config)}, {potential.Module.parameters().Sum(p => p.numel())} parameters");
        var trainer = new Trainer(potential, trainOptions);
        if (o.From is null)
        {
            trainer.SetStatistics(data.Train);
        }
        else
        {
            trainer.KeepStatistics();
        }

        var before = Trainer.Evaluate(potential, data.Test);
        var validationBefore = Trainer.Evaluate(potential, data.Validation);
        Console.WriteLine($"  before training: validation force RMSE {validationBefore.ForceRmse:F4} eV/Å");
        var interactive = !Console.IsOutputRedirected;
        trainer.OnStep = (step, steps, loss) =>
        {
            if (interactive)
            {
                var bar = new string('#', step * 30 / steps).PadRight(30, '.');
                Console.Write($"\r  [{bar}] step {step}/{steps} loss {loss:E3}   ");
            }
        };
        trainer.OnEpoch = r =>
        {
            if (interactive)
            {
                Console.Write('\r');
            }

            Console.WriteLine($"  epoch {r.Epoch,3}  {r.Seconds,6:F1}s  lr {r.LearningRate:E2}  loss {r.TrainLoss:E3}  " +
                              $"train F-RMSE {r.TrainForceRmse:F4}  val F-MAE {r.Validation.ForceMae:F4}  " +
                              $"val F-RMSE {r.Validation.ForceRmse:F4}  val E-MAE/atom {r.Validation.EnergyMaePerAtom * 1000:F2} meV");
        };
        trainer.OnBest = _ => SaveWeights(potential, config, o.Out);
        trainer.Fit(data.Train, data.Validation);
        if (trainer.BestEpoch > 0)
        {
            Console.WriteLine($"  kept the weights of epoch {trainer.BestEpoch} (best validation score)");
        }

        var after = Trainer.Evaluate(potential, data.Test);
        Console.WriteLine($"Held-out test set ({data.Test.Count} configurations from unseen trajectories):");
        Console.WriteLine($"  force MAE {after.ForceMae:F4} eV/Å, RMSE {after.ForceRmse:F4} eV/Å " +
                          $"({100 * after.ForceRmse / forceStd:F1}% of the force std {forceStd:F4}); before training " +
                          $"RMSE {before.ForceRmse:F4}");
        Console.WriteLine($"  energy MAE {after.EnergyMaePerAtom * 1000:F2} meV/atom");
        Console.WriteLine($"  stress RMSE {after.StressRmse * 1000:F3} meV/Å³ ({after.StressRmse * EvPerA3InGPa:F3} GPa)");

        SaveWeights(potential, config, o.Out);
        var chart = new LineChart
        {
            Title = $"{(config is ModelConfig ? "NequIP" : "Allegro")}-style potential: force RMSE",
            XLabel = "epoch",
            YLabel = "force RMSE (eV/A)",
        };
        chart.Series.Add(new Series("train", (31, 119, 180),
            trainer.History.Select(r => ((double)r.Epoch, r.TrainForceRmse)).ToList()));
        chart.Series.Add(new Series("validation", (255, 127, 14),
            trainer.History.Select(r => ((double)r.Epoch, r.Validation.ForceRmse))
                .Prepend((0.0, validationBefore.ForceRmse)).ToList()));
        var goal = 0.05 * forceStd;
        chart.Series.Add(new Series("5% of force std", (200, 30, 30),
            new[] { (0.0, goal), ((double)trainer.History.Count, goal) }, Dashed: true));
        File.WriteAllBytes(Path.Combine(o.Out, "learning_curve.png"), chart.Render().ToPng());
        var metrics = new
        {
            train_configurations = data.Train.Count,
            test_configurations = data.Test.Count,
            epochs = trainer.History.Count,
            best_epoch = trainer.BestEpoch,
            seconds = trainer.History.LastOrDefault()?.Seconds ?? 0,
            test_force_std = forceStd,
            test_force_mae = after.ForceMae,
            test_force_rmse = after.ForceRmse,
            test_force_rmse_over_std = after.ForceRmse / forceStd,
            test_energy_mae_per_atom = after.EnergyMaePerAtom,
            test_stress_rmse = after.StressRmse,
            test_force_rmse_before_training = before.ForceRmse,
            validation_force_rmse_before_training = validationBefore.ForceRmse,
            data = dataDir,
            parameters = potential.Module.parameters().Sum(p => p.numel()),
            model = config is ModelConfig ? "nequip" : "allegro",
            avg_num_neighbors = potential is EnergyForces nequip ? nequip.Model.Config.AvgNumNeighbors
                : ((Model.Allegro.AllegroEnergyForces)potential).Model.Config.AvgNumNeighbors,
            history = trainer.History,
        };
        File.WriteAllText(Path.Combine(o.Out, "metrics.json"),
            JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Wrote {o.Out}/model.bin, config.json, learning_curve.png, metrics.json");
    }

    /// <summary>1 eV/Å³ in GPa.</summary>
    public const double EvPerA3InGPa = 160.21766208;

    /// <summary>Loads the potential <c>train</c> wrote into a folder (<c>config.json</c>, <c>model.bin</c>).</summary>
    /// <param name="dir">The folder.</param>
    public static EnergyForces LoadTrained(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var configPath = Path.Combine(dir, "config.json");
        var weights = Path.Combine(dir, "model.bin");
        if (!File.Exists(configPath) || !File.Exists(weights))
        {
            throw new FileNotFoundException(
                $"Potential: {dir} has no config.json and model.bin; run `train` first (or pass --from DIR).");
        }

        var config = JsonSerializer.Deserialize<ModelConfig>(File.ReadAllText(configPath))
                     ?? throw new InvalidDataException($"Potential: {configPath} is empty.");
        var potential = new EnergyForces(new AtomicEnergyModel(config));
        potential.load(weights);
        potential.eval();
        return potential;
    }

    private static int RunLammpsCheck(Options o)
    {
        var lmp = o.Lmp ?? throw new ArgumentException("lammps: --lmp PATH is required (bash build/lammps.sh prints it).");
        var from = o.From ?? Path.Combine("artifacts", "potential");
        var potential = LoadTrained(from);
        var work = o.OutFile ?? Path.Combine("artifacts", "lammps");
        Console.WriteLine($"LAMMPS ({lmp}) with pair_nequip vs eager C#, model from {from}, work folder {work}:");
        var check = new Deploy.LammpsCheck(potential, lmp, work);
        var results = new List<Deploy.LammpsResult>();
        var types = potential.Model.Config.TypeNames.ToList();
        Configuration emtFrame;
        try
        {
            emtFrame = ExtendedXyz.Read(Path.Combine(o.Data ?? EmtData.DefaultDirectory(), "cu_emt_test.xyz"), types)[0];
        }
        catch (DirectoryNotFoundException)
        {
            emtFrame = Bench.CopperCell(2, seed: 5);
        }

        results.AddRange(check.SinglePoint("periodic-emt-32", Deploy.LammpsCheck.ToLammpsCell(emtFrame)));
        results.AddRange(check.SinglePoint("periodic-fcc-108", Deploy.LammpsCheck.OnGrid(Bench.CopperCell(3, seed: 7))));
        results.AddRange(check.SinglePoint("cluster-nonperiodic", Deploy.LammpsCheck.OnGrid(Cluster(Bench.CopperCell(3, seed: 8), 4.0))));
        // Velocities for 300 K on lattice sites displaced by up to 0.1 Å (about as much potential energy as 300 K
        // gives with the EMT-trained model): the run stays near 300 K.
        var nve = check.Nve("nve-108", Deploy.LammpsCheck.OnGrid(Bench.CopperCell(3, seed: 9)), o.Steps ?? 1000, temperature: 300);
        results.Add(nve.Drift);
        foreach (var r in results)
        {
            Console.WriteLine($"{(r.Passed ? "PASS" : "FAIL")} {r.Name}: {r.Value:E2} (limit {r.Limit:E0})");
        }

        if (o.Bench)
        {
            foreach (var reps in new[] { 3, 6 })
            {
                var frame = Deploy.LammpsCheck.OnGrid(Bench.CopperCell(reps, seed: 10));
                Console.WriteLine($"LAMMPS NVE, {frame.Count} atoms: {check.MsPerStep(frame, reps == 3 ? 200 : 30):F1} ms per step (one thread)");
            }
        }

        var failed = results.Count(r => !r.Passed);
        Console.WriteLine($"{results.Count - failed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>The atoms within <paramref name="radius"/> of the atom nearest the cell centre, moved to positive
    /// coordinates, without a cell (a cluster).</summary>
    private static Configuration Cluster(Configuration bulk, double radius)
    {
        var n = bulk.Count;
        var centre = Enumerable.Range(0, 3).Select(k => Enumerable.Range(0, n).Average(i => bulk.Positions[i, k])).ToArray();
        double Dist(int i, double[] c) => Math.Sqrt(Enumerable.Range(0, 3).Sum(k => Math.Pow(bulk.Positions[i, k] - c[k], 2)));
        var middle = Enumerable.Range(0, n).OrderBy(i => Dist(i, centre)).First();
        var at = Enumerable.Range(0, 3).Select(k => bulk.Positions[middle, k]).ToArray();
        var keep = Enumerable.Range(0, n).Where(i => Dist(i, at) < radius).ToArray();
        var pos = new double[keep.Length, 3];
        for (var m = 0; m < keep.Length; m++)
        {
            for (var k = 0; k < 3; k++)
            {
                pos[m, k] = bulk.Positions[keep[m], k] - at[k] + radius + 5;
            }
        }

        return new Configuration(pos, keep.Select(i => bulk.Species[i]).ToArray());
    }

    private static void DeployModel(Options o)
    {
        var from = o.From ?? DefaultFolder(o);
        var output = o.OutFile ?? "model.pth";
        if (KindOf(from) == AllegroKind || o.Model == AllegroKind)
        {
            DeployAllegro(o, from, output);
            return;
        }

        var potential = LoadTrained(from);
        var archive = Deploy.Deployment.Archive(potential);
        var folder = Path.GetDirectoryName(Path.GetFullPath(output));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(output, archive);
        var config = potential.Model.Config;
        Console.WriteLine($"Wrote {output} ({archive.Length} bytes): NequIP 0.6 archive, r_max {config.RMax} Å, " +
                          $"types {string.Join(" ", config.TypeNames)}. In LAMMPS: pair_style nequip; " +
                          $"pair_coeff * * {output} {string.Join(" ", config.TypeNames)}");
    }

    private static void RunBench(Options o)
    {
        var dtype = o.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        manual_seed(o.Seed);
        // The trained model's architecture (--from DIR) or the full preset's, with the model options applied (the
        // weights do not change the time).
        var preset = o.From is { } from ? LoadTrained(from).Model.Config : Preset(quick: false).Model;
        var config = preset with
        {
            TypeNames = new[] { "Cu" },
            RMax = o.RMax ?? preset.RMax,
            HiddenIrreps = o.Hidden ?? preset.HiddenIrreps,
            Layers = o.Layers ?? preset.Layers,
            RadialHidden = o.Radial ?? preset.RadialHidden,
        };
        if (o.Compiled)
        {
            Console.WriteLine($"Eager against compiled, {dtype}, {get_num_threads()} threads, periodic fcc Cu:");
            CompiledBench.Run(config, dtype, o.Atoms, o.Seed);
            return;
        }

        var potential = new EnergyForces(new AtomicEnergyModel(config, dtype));
        potential.eval();
        Console.WriteLine($"One energy+forces+virial evaluation (eager), {dtype}, {get_num_threads()} threads, " +
                          $"periodic fcc Cu; model: {config.Layers} layers, hidden {config.HiddenIrreps}, radial " +
                          $"{string.Join(",", config.RadialHidden)}, r_max {config.RMax} Å, " +
                          $"{potential.parameters().Sum(p => p.numel())} parameters:");
        foreach (var atoms in o.Atoms)
        {
            var reps = (int)Math.Round(Math.Cbrt(atoms / 4.0));
            using var graph = Graph.FromConfiguration(Bench.CopperCell(Math.Max(reps, 1), o.Seed), config.RMax, dtype);
            var r = Bench.Time("eager", graph, g => g.Evaluate(potential).Forces);
            Console.WriteLine($"  {r.Atoms,4} atoms, {r.Edges,6} edges: {r.Name,-9} median {r.MedianMs,8:F2} ms " +
                              $"(min {r.MinMs:F2} ms, {r.Repeats} runs)");
        }
    }
}
