using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests;

/// <summary>
/// Access to the e3nn 0.5.6 reference data copied into <c>Data/reference</c> (see the README there for provenance).
/// </summary>
public static class Reference
{
    /// <summary>The folder (in the test output directory) holding the reference JSON files.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Data", "reference");

    /// <summary>
    /// Loads a reference JSON file by name, e.g. <c>"irreps"</c> or <c>"irreps.json"</c>. The caller disposes the document.
    /// </summary>
    public static JsonDocument Load(string name)
    {
        var file = name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? name : name + ".json";
        var path = Path.Combine(Directory, file);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Reference file '{file}' not found in '{Directory}'. Copy it from the shared reference folder into " +
                "tests/E3Sharp.Tests/Data/reference (the csproj copies Data/** to the output).", path);
        }
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream);
    }

    /// <summary>
    /// Decodes an encoded tensor <c>{"shape": [...], "dtype": "float32"|"float64"|"int64"|..., "data": [...]}</c>
    /// (row-major data) into a CPU tensor of that dtype. float32 values are parsed as double and narrowed, which
    /// recovers the exact float32 the reference generator wrote.
    /// </summary>
    public static Tensor ToTensor(JsonElement encodedTensor)
    {
        if (encodedTensor.ValueKind != JsonValueKind.Object
            || !encodedTensor.TryGetProperty("shape", out var shapeEl)
            || !encodedTensor.TryGetProperty("dtype", out var dtypeEl)
            || !encodedTensor.TryGetProperty("data", out var dataEl))
        {
            throw new ArgumentException(
                $"Not an encoded tensor (expected an object with 'shape', 'dtype' and 'data'): {Abbreviate(encodedTensor)}",
                nameof(encodedTensor));
        }

        var shape = shapeEl.EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var dtype = dtypeEl.GetString();
        var data = Flatten(dataEl).ToList();
        var expected = shape.Aggregate(1L, (a, b) => a * b);
        if (data.Count != expected)
        {
            throw new ArgumentException(
                $"Encoded tensor of shape [{string.Join(", ", shape)}] has {data.Count} data values, expected {expected}.",
                nameof(encodedTensor));
        }

        return dtype switch
        {
            "float64" => tensor(data.Select(e => e.GetDouble()).ToArray(), shape, ScalarType.Float64),
            "float32" => tensor(data.Select(e => (float)e.GetDouble()).ToArray(), shape, ScalarType.Float32),
            "int64" => tensor(data.Select(e => e.GetInt64()).ToArray(), shape, ScalarType.Int64),
            "int32" => tensor(data.Select(e => e.GetInt32()).ToArray(), shape, ScalarType.Int32),
            "bool" => tensor(data.Select(e => e.GetBoolean()).ToArray(), shape, ScalarType.Bool),
            _ => throw new ArgumentException($"Unsupported encoded tensor dtype '{dtype}'.", nameof(encodedTensor)),
        };
    }

    /// <summary>
    /// The <c>FullyConnectedTensorProduct</c> of <c>fully_connected_tp.json</c> (its root element <paramref name="r"/>),
    /// built in <paramref name="dtype"/> from the stored irreps; its weights are left to the caller.
    /// </summary>
    public static E3Sharp.O3.Modules.FullyConnectedTensorProduct FullyConnectedTp(JsonElement r, ScalarType dtype) =>
        new(r.GetProperty("irreps_in1").GetProperty("str").GetString()!,
            r.GetProperty("irreps_in2").GetProperty("str").GetString()!,
            r.GetProperty("irreps_out").GetProperty("str").GetString()!, dtype: dtype);

    /// <summary>Reads a JSON array of integers.</summary>
    public static int[] ToIntArray(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Reads a JSON array of numbers as doubles.</summary>
    public static double[] ToDoubleArray(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    // "data" is specified flat, but accept nested arrays too (row-major order is preserved by depth-first traversal).
    private static IEnumerable<JsonElement> Flatten(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var leaf in Flatten(item))
                {
                    yield return leaf;
                }
            }
        }
        else
        {
            yield return element;
        }
    }

    private static string Abbreviate(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 120 ? text : text[..120] + "...";
    }
}
