using System.Text.Json;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Model.Allegro;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential;

/// <summary>The model choice of the commands: the NequIP-style model (default) or the Allegro-style one.</summary>
public static partial class Cli
{
    /// <summary><c>--model</c> value (and <c>config.json</c> kind) of the NequIP-style model.</summary>
    public const string NequipKind = "nequip";

    /// <summary><c>--model</c> value (and <c>config.json</c> kind) of the Allegro-style model.</summary>
    public const string AllegroKind = "allegro";

    /// <summary>
    /// The Allegro model's default cutoff for the EMT copper data (Å): strictly local, it sees nothing beyond r_max,
    /// so it reaches past EMT's own cutoff (a Fermi function centred at 4.77 Å) and takes the third shell (4.43 Å).
    /// </summary>
    public const double AllegroEmtRMax = 5.0;

    /// <summary>The Allegro model of a quick run (tests) or of a full run (<c>--r-max</c>, <c>--layers</c> override).</summary>
    /// <param name="quick">Quick mode.</param>
    public static AllegroConfig AllegroPreset(bool quick) => quick
        ? new AllegroConfig { RMax = EmtRMax, Layers = 1 }
        : new AllegroConfig { RMax = AllegroEmtRMax };

    /// <summary>The model kind <c>config.json</c> of <paramref name="dir"/> records (<c>nequip</c> when it has none).</summary>
    /// <param name="dir">A folder <c>train</c> wrote.</param>
    public static string KindOf(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var path = Path.Combine(dir, "config.json");
        if (!File.Exists(path))
        {
            return NequipKind;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.TryGetProperty("Kind", out var kind) && kind.GetString() is { } k ? k : NequipKind;
    }

    /// <summary>Loads the Allegro-style potential <c>train --model allegro</c> wrote into a folder.</summary>
    /// <param name="dir">The folder (<c>config.json</c>, <c>model.bin</c>).</param>
    /// <param name="dtype">Dtype of the returned model (the weights are converted; training writes float32).</param>
    public static AllegroEnergyForces LoadTrainedAllegro(string dir, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var configPath = Path.Combine(dir, "config.json");
        var weights = Path.Combine(dir, "model.bin");
        if (!File.Exists(configPath) || !File.Exists(weights))
        {
            throw new FileNotFoundException(
                $"Potential: {dir} has no config.json and model.bin; run `train --model allegro` first (or pass --from DIR).");
        }

        if (KindOf(dir) != AllegroKind)
        {
            throw new InvalidDataException($"Potential: {configPath} is not an Allegro model (train --model allegro writes one).");
        }

        var config = JsonSerializer.Deserialize<AllegroConfig>(File.ReadAllText(configPath))
                     ?? throw new InvalidDataException($"Potential: {configPath} is empty.");
        var potential = new AllegroEnergyForces(new AllegroModel(config));
        potential.load(weights);
        potential.eval();
        if (dtype == ScalarType.Float32)
        {
            return potential;
        }

        var converted = new AllegroEnergyForces(new AllegroModel(config, dtype));
        using (no_grad())
        {
            var source = potential.state_dict();
            foreach (var (name, value) in converted.state_dict())
            {
                value.copy_(source[name]);
            }
        }

        potential.Dispose();
        converted.eval();
        return converted;
    }

    /// <summary>Loads whichever model a folder holds, with its config.</summary>
    private static (IPotential Potential, object Config) LoadAny(string dir)
    {
        if (KindOf(dir) == AllegroKind)
        {
            var allegro = LoadTrainedAllegro(dir);
            return (allegro, allegro.Model.Config);
        }

        var nequip = LoadTrained(dir);
        return (nequip, nequip.Model.Config);
    }

    /// <summary>A new model of the kind <c>--model</c> names, with the model options and the data's statistics.</summary>
    private static (IPotential Potential, object Config) CreateModel(Options o, ModelConfig preset,
        IReadOnlyList<string> types, IReadOnlyList<Configuration> train)
    {
        if (o.Model == AllegroKind)
        {
            var allegroPreset = AllegroPreset(o.Quick);
            var r = o.RMax ?? allegroPreset.RMax;
            var allegro = allegroPreset with
            {
                TypeNames = types.ToArray(),
                RMax = r,
                Layers = o.Layers ?? allegroPreset.Layers,
                AvgNumNeighbors = Dataset.AverageNeighbors(train, r),
            };
            return (new AllegroEnergyForces(new AllegroModel(allegro)), allegro);
        }

        var rMax = o.RMax ?? preset.RMax;
        var config = preset with
        {
            TypeNames = types.ToArray(),
            RMax = rMax,
            HiddenIrreps = o.Hidden ?? preset.HiddenIrreps,
            Layers = o.Layers ?? preset.Layers,
            RadialHidden = o.Radial ?? preset.RadialHidden,
            AvgNumNeighbors = Dataset.AverageNeighbors(train, rMax),
        };
        return (new EnergyForces(new AtomicEnergyModel(config)), config);
    }

    /// <summary>One line about a model's architecture.</summary>
    private static string Describe(object config) => config switch
    {
        ModelConfig c => $"NequIP-style, {c.Layers} layers, hidden {c.HiddenIrreps}, sh lmax {c.LMax}, r_max {c.RMax} Å",
        AllegroConfig a => $"Allegro-style, {a.Layers} layers, {a.Channels} channels of {a.EdgeIrreps}, latent " +
                           $"{a.LatentDim}, r_max {a.RMax} Å, avg neighbours {a.AvgNumNeighbors:F2}",
        _ => config.ToString() ?? "",
    };

    /// <summary>The folder <c>train</c> writes to and <c>deploy</c> reads from by default.</summary>
    private static string DefaultFolder(Options o) =>
        Path.Combine("artifacts", o.Model == AllegroKind ? "allegro" : "potential");

    private static void DeployAllegro(Options o, string from, string output)
    {
        var dtype = o.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        using var potential = LoadTrainedAllegro(from, dtype);
        var archive = Deploy.Deployment.Archive(potential);
        var folder = Path.GetDirectoryName(Path.GetFullPath(output));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(output, archive);
        var config = potential.Model.Config;
        Console.WriteLine($"Wrote {output} ({archive.Length} bytes): pair_allegro archive ({dtype}), r_max {config.RMax} Å, " +
                          $"types {string.Join(" ", config.TypeNames)}. In LAMMPS (newton on, any number of MPI " +
                          $"ranks): pair_style allegro{(dtype == ScalarType.Float64 ? "6464" : "")}; " +
                          $"pair_coeff * * {output} {string.Join(" ", config.TypeNames)}");
    }
}
