using System.Globalization;

namespace E3Sharp.Samples.Potential;

/// <summary>The command line's options and their parser (every command but <c>lammps-allegro</c> reads them).</summary>
public static partial class Cli
{
    /// <summary>Parsed command-line options.</summary>
    private sealed record Options(bool Quick, int? Epochs, double? Minutes, string Out, int Seed, int[] Atoms,
        int? Threads, bool Float64, string? Data, string? From, string? OutFile, string? Lmp, int? Steps, bool Bench,
        double? LearningRate, double? EnergyWeight, double? FinalLearningRate = null, double? StressWeight = null,
        int? BatchSize = null, int? TrainFrames = null, double? RMax = null, string? Hidden = null, int? Layers = null,
        int[]? Radial = null, string? Model = null, bool Compiled = false)
    {
        public static Options Parse(string[] args)
        {
            var quick = false;
            int? epochs = null;
            double? minutes = null;
            string? output = null;
            var seed = 1;
            var atoms = new[] { 108, 864 };
            int? threads = null;
            var float64 = false;
            string? data = null, from = null, outFile = null, lmp = null;
            int? steps = null;
            double? lr = null, energyWeight = null, finalLr = null, stressWeight = null, rMax = null;
            int? batch = null, trainFrames = null, layers = null;
            string? hidden = null;
            int[]? radial = null;
            var bench = false;
            string? model = null;
            var compiled = false;
            double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
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
                        minutes = Number(Next());
                        break;
                    case "--out":
                        output = Next();
                        outFile = output;
                        break;
                    case "--data":
                        data = Next();
                        break;
                    case "--from":
                        from = Next();
                        break;
                    case "--work":
                        outFile = Next();
                        break;
                    case "--energy-weight":
                        energyWeight = double.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--lr":
                        lr = Number(Next());
                        break;
                    case "--final-lr":
                        finalLr = Number(Next());
                        break;
                    case "--stress-weight":
                        stressWeight = Number(Next());
                        break;
                    case "--batch":
                        batch = int.Parse(Next());
                        break;
                    case "--train-frames":
                        trainFrames = int.Parse(Next());
                        break;
                    case "--r-max":
                        rMax = Number(Next());
                        break;
                    case "--hidden":
                        hidden = Next();
                        break;
                    case "--layers":
                        layers = int.Parse(Next());
                        break;
                    case "--radial":
                        radial = Next().Split(',').Select(int.Parse).ToArray();
                        break;
                    case "--model":
                        model = Next() is var kind && kind is NequipKind or AllegroKind
                            ? kind
                            : throw new ArgumentException($"--model must be {NequipKind} or {AllegroKind}, got '{kind}'.");
                        break;
                    case "--lmp":
                        lmp = Next();
                        break;
                    case "--steps":
                        steps = int.Parse(Next());
                        break;
                    case "--bench":
                        bench = true;
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
                    case "--compiled":
                        compiled = true;
                        break;
                    default:
                        throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
                }
            }

            output ??= Path.Combine("artifacts", model == AllegroKind ? "allegro" : "potential");
            return new Options(quick, epochs, minutes, output, seed, atoms, threads, float64, data, from, outFile, lmp,
                steps, bench, lr, energyWeight, finalLr, stressWeight, batch, trainFrames, rMax, hidden, layers, radial,
                model, compiled);
        }
    }
}
