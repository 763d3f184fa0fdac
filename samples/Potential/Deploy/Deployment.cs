using System.Globalization;
using System.Text;
using System.Text.Json;
using E3Sharp.Jit.Ir;
using E3Sharp.Samples.Potential.Model;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Deploy;

/// <summary>
/// Deployment in NequIP 0.6's format, as <c>nequip-deploy</c> writes it and <c>pair_nequip</c> reads it: one TorchScript
/// archive whose <c>forward(Dict[str, Tensor]) -> Dict[str, Tensor]</c> is <see cref="EnergyForces.forward"/>, with
/// the metadata extra files (<c>extra/nequip_version</c>, <c>r_max</c>, <c>n_species</c>, <c>type_names</c>, ...).
/// </summary>
public static class Deployment
{
    /// <summary>Input keys of <c>forward</c> (NequIP's <c>AtomicDataDict</c> names, as pair_nequip passes them).</summary>
    public static IReadOnlyList<string> InputKeys { get; } = new[] { "pos", "edge_index", "edge_cell_shift", "cell", "atom_types" };

    /// <summary>Output keys of <c>forward</c> (all float64).</summary>
    public static IReadOnlyList<string> OutputKeys { get; } = new[] { "total_energy", "forces", "atomic_energy", "virial" };

    /// <summary>
    /// What <c>extra/nequip_version</c> says: the NequIP contract followed, marked as E3Sharp's (pair styles only check
    /// that it is there; a PEP 440 local version keeps it parseable).
    /// </summary>
    public const string NequipVersion = "0.6.1+e3sharp";

    /// <summary>The metadata extra files of an archive, with the keys NequIP 0.6's deploy step writes (UTF-8 text).</summary>
    /// <param name="config">Model hyper-parameters.</param>
    /// <param name="dtype">Model dtype.</param>
    public static IReadOnlyDictionary<string, byte[]> Metadata(ModelConfig config, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Metadata(config.RMax, config.TypeNames, JsonSerializer.Serialize(config), dtype);
    }

    /// <summary>
    /// The metadata extra files of an Allegro-style archive: the keys pair_allegro v0.6.0 reads (<c>nequip_version</c>,
    /// <c>r_max</c>, <c>n_species</c>, <c>type_names</c>, <c>allow_tf32</c>; no <c>per_edge_type_cutoff</c>: one
    /// cutoff for every pair) and the rest of NequIP's.
    /// </summary>
    /// <param name="config">Model hyper-parameters.</param>
    /// <param name="dtype">Model dtype.</param>
    public static IReadOnlyDictionary<string, byte[]> Metadata(Model.Allegro.AllegroConfig config, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Metadata(config.RMax, config.TypeNames, JsonSerializer.Serialize(config), dtype);
    }

    private static IReadOnlyDictionary<string, byte[]> Metadata(double rMax, IReadOnlyList<string> typeNames,
        string configText, ScalarType dtype)
    {
        var dtypeName = dtype == ScalarType.Float64 ? "float64" : "float32";
        var text = new Dictionary<string, string>
        {
            ["nequip_version"] = NequipVersion,
            // The archive format targets LibTorch 1.13 (what Debian's pair_nequip build links); e3nn's numbers are 0.5.6's.
            ["torch_version"] = "1.13.1",
            ["e3nn_version"] = "0.5.6",
            ["code_commits"] = "",
            ["r_max"] = rMax.ToString("R", CultureInfo.InvariantCulture),
            ["n_species"] = typeNames.Count.ToString(CultureInfo.InvariantCulture),
            ["type_names"] = string.Join(" ", typeNames),
            ["_jit_bailout_depth"] = "2",
            ["_jit_fusion_strategy"] = "DYNAMIC,3",
            ["allow_tf32"] = "0",
            ["default_dtype"] = dtypeName,
            ["model_dtype"] = dtypeName,
            // NequIP writes its YAML config; JSON is YAML too.
            ["config"] = configText,
        };
        return text.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value));
    }

    /// <summary>
    /// Compiles the potential with <c>TorchScript.Compile</c> into one TorchScript module whose
    /// <c>forward(Dict[str, Tensor]) -> Dict[str, Tensor]</c> is NequIP's.
    /// Stateless traced parts (the spherical harmonics) take the dtype of their tracing inputs, so the model's dtype
    /// is made the default dtype while compiling (as e3nn users do with <c>torch.set_default_dtype</c>).
    /// </summary>
    /// <param name="potential">The potential (put in eval mode for deployment: no graph is kept for the forces).</param>
    /// <returns>The compiled module.</returns>
    public static TorchSharp.torch.jit.ScriptModule Compile(EnergyForces potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        return Compile(potential, potential.Model.Dtype);
    }

    /// <summary>Compiles the Allegro-style potential (pair_allegro's <c>forward</c>), as <see cref="Compile(EnergyForces)"/>.</summary>
    /// <param name="potential">The potential.</param>
    /// <returns>The compiled module.</returns>
    public static TorchSharp.torch.jit.ScriptModule Compile(Model.Allegro.AllegroEnergyForces potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        return Compile(potential, potential.Dtype);
    }

    private static TorchSharp.torch.jit.ScriptModule Compile(TorchSharp.torch.nn.Module potential, ScalarType dtype)
    {
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        try
        {
            return E3Sharp.Jit.TorchScript.Compile(potential);
        }
        finally
        {
            set_default_dtype(previous);
        }
    }

    /// <summary>
    /// The deployable archive: the compiled potential (<see cref="Compile(EnergyForces)"/>) with the metadata extra files
    /// (<see cref="Metadata(ModelConfig, ScalarType)"/>), as NequIP's deploy step writes it.
    /// </summary>
    /// <param name="potential">The potential.</param>
    /// <returns>The archive bytes.</returns>
    public static byte[] Archive(EnergyForces potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        using var compiled = Compile(potential);
        compiled.eval();
        return E3Sharp.Jit.Serialization.TorchScriptArchive.WithExtraFiles(E3Sharp.Jit.Serialization.TorchScriptArchive.SaveToBytes(compiled),
            Metadata(potential.Model.Config, potential.Model.Dtype));
    }

    /// <summary>
    /// pair_allegro's archive: the compiled Allegro-style potential (<see cref="Compile(Model.Allegro.AllegroEnergyForces)"/>)
    /// with the metadata extra files (<see cref="Metadata(Model.Allegro.AllegroConfig, ScalarType)"/>).
    /// </summary>
    /// <param name="potential">The potential.</param>
    /// <returns>The archive bytes.</returns>
    public static byte[] Archive(Model.Allegro.AllegroEnergyForces potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        using var compiled = Compile(potential);
        compiled.eval();
        return E3Sharp.Jit.Serialization.TorchScriptArchive.WithExtraFiles(E3Sharp.Jit.Serialization.TorchScriptArchive.SaveToBytes(compiled),
            Metadata(potential.Model.Config, potential.Dtype));
    }

    /// <summary>
    /// The operator table for the deployed archive: <see cref="OpTable.Default"/> plus <c>requires_grad_</c>, which
    /// an energy-and-forces method needs to differentiate with respect to its positions input.
    /// </summary>
    public static OpTable Ops { get; } = CreateOps();

    private static OpTable CreateOps()
    {
        var table = new OpTable();
        foreach (var name in OpTable.Default.Names)
        {
            foreach (var schema in OpTable.Default.Overloads(name))
            {
                table.Register(schema.Text, schema.Variants);
            }
        }

        if (!table.Contains("requires_grad_"))
        {
            table.Register("requires_grad_(Tensor(a!) self, bool requires_grad=True) -> Tensor(a!)", OpVariants.Method);
        }

        return table;
    }
}
