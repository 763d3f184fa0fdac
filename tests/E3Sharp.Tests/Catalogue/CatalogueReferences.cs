using System.Text.Json;
using E3Sharp.Nn;
using E3Sharp.O3.Modules;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Catalogue;

/// <summary>
/// The e3nn 0.5.6 references of the catalogue's kinds (tests/E3Sharp.Tests/Data/reference, see its README): each
/// builds the module with e3nn's weights and returns e3nn's inputs and outputs. The structure checks of the same
/// files (instructions, repr, state keys) stay with the module's own tests.
/// </summary>
internal static class CatalogueReferences
{
    private static Tensor T(JsonElement e) => Reference.ToTensor(e);

    private static readonly ScalarType[] Float64Only = [ScalarType.Float64];

    // Reads one JSON file per call: the references are small, and no JsonDocument outlives its use.
    private static T0 With<T0>(string file, Func<JsonElement, T0> read)
    {
        using var doc = Reference.Load(file);
        return read(doc.RootElement);
    }

    internal static nn.Module<Tensor, Tensor> Act(string name) => name switch
    {
        "silu" => nn.SiLU(),
        "tanh" => nn.Tanh(),
        "sigmoid" => nn.Sigmoid(),
        "relu" => nn.ReLU(),
        "abs" => new Abs(),
        "gelu" => nn.GELU(),
        "softplus" => nn.Softplus(),
        _ => throw new ArgumentException(name),
    };

    public static readonly IReadOnlyList<ReferenceCase> FullyConnectedTensorProduct =
    [
        new("shared-weights", dtype => With("fully_connected_tp", r =>
        {
            var tp = Reference.FullyConnectedTp(r, dtype);
            Assign(tp.Weight, T(r.GetProperty("weights")));
            var outKey = dtype == ScalarType.Float64 ? "out_float64" : "out_float32_eager";
            return new ReferenceData(tp, [T(r.GetProperty("x1")).to(dtype), T(r.GetProperty("x2")).to(dtype)],
                [T(r.GetProperty(outKey))], ReferenceTolerance(dtype));
        })),
        new("per-sample-weights", dtype => With("fully_connected_tp", r =>
        {
            var tp = new E3Sharp.O3.Modules.FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o",
                sharedWeights: false, dtype: dtype);
            return new ReferenceData(tp,
                [T(r.GetProperty("x1")).to(dtype), T(r.GetProperty("x2")).to(dtype), T(r.GetProperty("per_sample_weights_float64")).to(dtype)],
                [T(r.GetProperty("out_float64_shared_weights_false"))], ReferenceTolerance(dtype));
        })),
    ];

    public static readonly IReadOnlyList<ReferenceCase> Linear =
    [
        new("biases", dtype => With("linear", r =>
        {
            var lin = new E3Sharp.O3.Modules.Linear(r.GetProperty("irreps_in").GetProperty("str").GetString()!,
                r.GetProperty("irreps_out").GetProperty("str").GetString()!, biases: true, dtype: dtype);
            Assign(lin.Weight, T(r.GetProperty("weights")));
            Assign(lin.Bias, T(r.GetProperty("bias")));
            return new ReferenceData(lin, [T(r.GetProperty("x")).to(dtype)], [T(r.GetProperty("out_float64"))],
                ReferenceTolerance(dtype));
        })),
    ];

    public static readonly IReadOnlyList<ReferenceCase> Norm =
        new[] { false, true }.Select(squared => new ReferenceCase(squared ? "squared" : "norm", dtype => With("norm", r =>
        {
            var results = r.GetProperty("results").GetProperty($"squared={(squared ? "True" : "False")}");
            var norm = new E3Sharp.O3.Modules.Norm(r.GetProperty("irreps_in").GetProperty("str").GetString()!, squared, dtype);
            return new ReferenceData(norm, [T(r.GetProperty("x")).to(dtype)],
                [T(results.GetProperty(dtype == ScalarType.Float64 ? "out_float64" : "out_float32"))], ReferenceTolerance(dtype));
        }))).Append(new ReferenceCase("batched", dtype => With("norm", r =>
            new ReferenceData(new E3Sharp.O3.Modules.Norm("2x0e+1x1o", false, dtype), [T(r.GetProperty("batched_x_2x3x5")).to(dtype)],
                [T(r.GetProperty("batched_out"))], ReferenceTolerance(dtype))), Float64Only)).ToArray();

    public static readonly IReadOnlyList<ReferenceCase> Gate =
        Enumerable.Range(0, 4).Select(i => new ReferenceCase($"case{i}", dtype => With("gate", root =>
        {
            var c = root.GetProperty("cases")[i];
            nn.Module<Tensor, Tensor>?[] Acts(string key) =>
                c.GetProperty(key).EnumerateArray().Select(a => (nn.Module<Tensor, Tensor>?)Act(a.GetString()!)).ToArray();
            var gate = new E3Sharp.Nn.Gate(c.GetProperty("irreps_scalars").GetString()!, Acts("act_scalars"),
                c.GetProperty("irreps_gates").GetString()!, Acts("act_gates"), c.GetProperty("irreps_gated").GetString()!, dtype);
            return new ReferenceData(gate, [T(c.GetProperty("x")).to(dtype)], [T(c.GetProperty("out_float64"))],
                ReferenceTolerance(dtype));
        }))).ToArray();

    public static readonly IReadOnlyList<ReferenceCase> NormActivation =
        Enumerable.Range(0, 4).Select(i => new ReferenceCase($"case{i}", dtype => With(Path.Combine("parity", "parity"), root =>
        {
            var c = root.GetProperty("norm_activation")[i];
            var kw = c.GetProperty("kwargs");
            var module = new E3Sharp.Nn.NormActivation(c.GetProperty("irreps").GetString()!, Act(c.GetProperty("act").GetString()!),
                epsilon: kw.TryGetProperty("epsilon", out var eps) ? eps.GetDouble() : null,
                bias: kw.TryGetProperty("bias", out var b) && b.GetBoolean(), dtype: dtype);
            if (module.Biases is { } biases)
            {
                Assign(biases, T(c.GetProperty("biases")));
            }

            return new ReferenceData(module, [T(c.GetProperty("x")).to(dtype)],
                [T(c.GetProperty(dtype == ScalarType.Float64 ? "float64" : "float32"))], ReferenceTolerance(dtype));
        }))).ToArray();

    public static readonly IReadOnlyList<ReferenceCase> SoftUnitStep =
    [
        new("values", dtype => With(Path.Combine("parity", "parity"), root =>
        {
            var c = root.GetProperty("soft_unit_step");
            var module = new E3Sharp.Nn.SoftUnitStep();
            return new ReferenceData(module, [T(c.GetProperty("x")).to(dtype)],
                [T(c.GetProperty(dtype == ScalarType.Float64 ? "float64" : "float32"))], ReferenceTolerance(dtype));
        })),
    ];
}
