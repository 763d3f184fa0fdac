using System.Globalization;
using System.Text;
using System.Text.Json;
using E3Sharp.Jit.Ir;
using E3Sharp.Samples.Potential.Model;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Deploy;

/// <summary>
/// Deployment conventions shared by the compiled archive, the C++ loader and the tests: the pair-style method name,
/// NequIP's dictionary keys and the metadata extra files (<c>extra/r_max</c>, <c>extra/n_species</c>,
/// <c>extra/type_names</c>, <c>extra/model_dtype</c>, <c>extra/config</c>) that NequIP's deploy step writes and
/// <c>pair_nequip</c> reads.
/// </summary>
public static class Deployment
{
    /// <summary>Name of the method taking and returning <c>Dict[str, Tensor]</c> (the pair-style interface).</summary>
    public const string PairMethodName = "pair_forward";

    /// <summary>Input keys of the pair-style method (NequIP's <c>AtomicDataDict</c> names).</summary>
    public static IReadOnlyList<string> InputKeys { get; } = new[] { "pos", "edge_index", "atom_types" };

    /// <summary>Output keys of the pair-style method.</summary>
    public static IReadOnlyList<string> OutputKeys { get; } = new[] { "total_energy", "forces", "atomic_energy" };

    /// <summary>The metadata extra files of an archive, as NequIP's deploy step writes them (UTF-8 text).</summary>
    /// <param name="config">Model hyper-parameters.</param>
    /// <param name="dtype">Model dtype.</param>
    public static IReadOnlyDictionary<string, byte[]> Metadata(ModelConfig config, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        var text = new Dictionary<string, string>
        {
            ["r_max"] = config.RMax.ToString("R", CultureInfo.InvariantCulture),
            ["n_species"] = config.NumSpecies.ToString(CultureInfo.InvariantCulture),
            ["type_names"] = string.Join(" ", config.TypeNames),
            ["model_dtype"] = dtype == ScalarType.Float64 ? "float64" : "float32",
            ["config"] = JsonSerializer.Serialize(config),
        };
        return text.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value));
    }

    /// <summary>
    /// Compiles the potential with <c>TorchScript.Compile</c> into one TorchScript module exposing
    /// <c>forward(pos, edge_index, atom_types) -> (energy, forces)</c> and <c>pair_forward(Dict[str, Tensor])</c>.
    /// Stateless traced parts (the spherical harmonics) take the dtype of their tracing inputs, so the model's dtype
    /// is made the default dtype while compiling (as e3nn users do with <c>torch.set_default_dtype</c>).
    /// </summary>
    /// <param name="potential">The potential (put in eval mode for deployment: no graph is kept for the forces).</param>
    /// <returns>The compiled module.</returns>
    public static TorchSharp.torch.jit.ScriptModule Compile(EnergyForces potential)
    {
        ArgumentNullException.ThrowIfNull(potential);
        var previous = get_default_dtype();
        set_default_dtype(potential.Model.Dtype);
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
    /// The deployable archive: the compiled potential (<see cref="Compile"/>) with the metadata extra files
    /// (<see cref="Metadata"/>), as NequIP's deploy step writes it.
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
