using System.Text.Json;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Plotting;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential;

/// <summary>The sample's commands (<c>train</c>, <c>bench</c>, ...), see <see cref="Usage"/>.</summary>
public static class Cli
{
    /// <summary>Help text.</summary>
    public const string Usage = """
        E3Sharp potential sample: a NequIP-style equivariant potential, trained and deployed.

          train [--quick] [--epochs N] [--minutes M] [--out DIR] [--seed S] [--threads T]
              generate reference data (Lennard-Jones + three-body clusters), train with Adam, write
              DIR/model.bin (weights), DIR/learning_curve.png, DIR/metrics.json (default DIR: artifacts/potential)
          bench [--atoms 64,512] [--threads T] [--float64]
              time one energy+forces evaluation (eager and compiled) for clusters of the given sizes
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
            default:
                Console.Error.WriteLine($"Unknown command '{args[0]}'.\n{Usage}");
                return 1;
        }
    }

    /// <summary>Settings of a quick run (tests) or a full run.</summary>
    /// <param name="quick">Quick mode.</param>
    public static (int TrainTrajectories, int HeldOut, int Frames, TrainOptions Train) Preset(bool quick) => quick
        ? (3, 1, 12, new TrainOptions { Epochs = 5, BatchSize = 2, FinalLearningRate = 3e-3 })
        : (16, 4, 40, new TrainOptions { Epochs = 30, BatchSize = 8 });

    private static void Train(Options o)
    {
        var preset = Preset(o.Quick);
        var trainOptions = preset.Train with
        {
            Epochs = o.Epochs ?? preset.Train.Epochs,
            TimeLimit = o.Minutes is { } m ? TimeSpan.FromMinutes(m) : null,
        };
        Directory.CreateDirectory(o.Out);
        Console.WriteLine($"Generating reference data ({preset.TrainTrajectories} training trajectories, " +
                          $"{preset.HeldOut} validation and {preset.HeldOut} test trajectories, {preset.Frames} frames each)...");
        var data = Dataset.Generate(ReferencePotential.Default, preset.TrainTrajectories, preset.HeldOut, preset.Frames,
            o.Seed);
        var forceStd = Dataset.ForceStd(data.Test);
        Console.WriteLine($"  {data.Train.Count} training, {data.Validation.Count} validation, {data.Test.Count} test " +
                          $"configurations; test force std {forceStd:F4} eV/Å");

        manual_seed(o.Seed);
        var config = new ModelConfig { AvgNumNeighbors = Dataset.AverageNeighbors(data.Train, 5.0) };
        var potential = new EnergyForces(new AtomicEnergyModel(config));
        Console.WriteLine($"Model: {config.Layers} layers, hidden {config.HiddenIrreps}, sh lmax {config.LMax}, " +
                          $"r_max {config.RMax} Å, {potential.parameters().Sum(p => p.numel())} parameters");
        var trainer = new Trainer(potential, trainOptions);
        trainer.SetStatistics(data.Train);
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
        trainer.Fit(data.Train, data.Validation);
        var after = Trainer.Evaluate(potential, data.Test);
        Console.WriteLine($"Held-out test set ({data.Test.Count} configurations from unseen trajectories):");
        Console.WriteLine($"  force MAE {after.ForceMae:F4} eV/Å, RMSE {after.ForceRmse:F4} eV/Å " +
                          $"({100 * after.ForceRmse / forceStd:F1}% of the force std {forceStd:F4}); before training " +
                          $"RMSE {before.ForceRmse:F4}");
        Console.WriteLine($"  energy MAE {after.EnergyMaePerAtom * 1000:F2} meV/atom");

        potential.save(Path.Combine(o.Out, "model.bin"));
        var chart = new LineChart
        {
            Title = "NequIP-style potential: force RMSE",
            XLabel = "epoch",
            YLabel = "force RMSE (eV/A)",
        };
        chart.Series.Add(new Series("train", (31, 119, 180),
            trainer.History.Select(r => ((double)r.Epoch, r.TrainForceRmse)).ToList()));
        chart.Series.Add(new Series("validation", (255, 127, 14),
            trainer.History.Select(r => ((double)r.Epoch, r.Validation.ForceRmse))
                .Prepend((0.0, validationBefore.ForceRmse)).ToList()));
        var goal = 0.2 * forceStd;
        chart.Series.Add(new Series("20% of force std", (200, 30, 30),
            new[] { (0.0, goal), ((double)trainer.History.Count, goal) }, Dashed: true));
        File.WriteAllBytes(Path.Combine(o.Out, "learning_curve.png"), chart.Render().ToPng());
        var metrics = new
        {
            train_configurations = data.Train.Count,
            test_configurations = data.Test.Count,
            epochs = trainer.History.Count,
            seconds = trainer.History.LastOrDefault()?.Seconds ?? 0,
            test_force_std = forceStd,
            test_force_mae = after.ForceMae,
            test_force_rmse = after.ForceRmse,
            test_force_rmse_over_std = after.ForceRmse / forceStd,
            test_energy_mae_per_atom = after.EnergyMaePerAtom,
            test_force_rmse_before_training = before.ForceRmse,
            validation_force_rmse_before_training = validationBefore.ForceRmse,
            parameters = potential.parameters().Sum(p => p.numel()),
            avg_num_neighbors = config.AvgNumNeighbors,
            history = trainer.History,
        };
        File.WriteAllText(Path.Combine(o.Out, "metrics.json"),
            JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Wrote {o.Out}/model.bin, learning_curve.png, metrics.json");
    }

    private static void RunBench(Options o)
    {
        var dtype = o.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var config = new ModelConfig { AvgNumNeighbors = 12.0 };
        manual_seed(o.Seed);
        var potential = new EnergyForces(new AtomicEnergyModel(config, dtype));
        potential.eval();
        // The deployed archive (TorchScript.Compile, metadata), loaded back as LibTorch runs it.
        using var compiled = E3Sharp.Jit.Serialization.TorchScriptArchive.Load(Deploy.Deployment.Archive(potential));
        compiled.eval();
        Console.WriteLine($"One energy+forces evaluation, {dtype}, {get_num_threads()} threads, model of `train`:");
        foreach (var atoms in o.Atoms)
        {
            using var graph = Bench.System(atoms, config, dtype, o.Seed);
            var eager = Bench.Time("eager", graph, (p, e, a) => potential.forward(p, e, a));
            var script = Bench.Time("compiled", graph, (p, e, a) => ((Tensor, Tensor))compiled.forward(p, e, a));
            foreach (var r in new[] { eager, script })
            {
                Console.WriteLine($"  {r.Atoms,4} atoms, {r.Edges,6} edges: {r.Name,-9} median {r.MedianMs,8:F2} ms " +
                                  $"(min {r.MinMs:F2} ms, {r.Repeats} runs)");
            }
        }
    }

    /// <summary>Parsed command-line options.</summary>
    private sealed record Options(bool Quick, int? Epochs, double? Minutes, string Out, int Seed, int[] Atoms,
        int? Threads, bool Float64)
    {
        public static Options Parse(string[] args)
        {
            var quick = false;
            int? epochs = null;
            double? minutes = null;
            var output = Path.Combine("artifacts", "potential");
            var seed = 1;
            var atoms = new[] { 64, 512 };
            int? threads = null;
            var float64 = false;
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length
                    ? args[++i]
                    : throw new ArgumentException($"Option {args[i]} needs a value.");
                switch (args[i])
                {
                    case "--quick":
                        quick = true;
                        break;
                    case "--epochs":
                        epochs = int.Parse(Next());
                        break;
                    case "--minutes":
                        minutes = double.Parse(Next());
                        break;
                    case "--out":
                        output = Next();
                        break;
                    case "--seed":
                        seed = int.Parse(Next());
                        break;
                    case "--atoms":
                        atoms = Next().Split(',').Select(int.Parse).ToArray();
                        break;
                    case "--threads":
                        threads = int.Parse(Next());
                        break;
                    case "--float64":
                        float64 = true;
                        break;
                    default:
                        throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
                }
            }

            return new Options(quick, epochs, minutes, output, seed, atoms, threads, float64);
        }
    }
}
