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
