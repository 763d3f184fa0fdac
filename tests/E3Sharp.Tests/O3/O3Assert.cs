using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>Numeric assertions and reference access shared by the O3 math tests.</summary>
internal static class O3Assert
{
    /// <summary>Asserts equal shapes and |actual - expected| &lt;= atol + rtol |expected| elementwise (compared in float64).</summary>
    public static void Close(Tensor expected, Tensor actual, double atol, double rtol = 0.0, string what = "")
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var e = expected.to_type(ScalarType.Float64).cpu();
        var a = actual.to_type(ScalarType.Float64).cpu();
        Assert.False(a.isnan().any().item<bool>(), $"{what}: NaN in result");
        var excess = (a - e).abs() - (e.abs() * rtol + atol);
        var worst = excess.max().item<double>();
        if (worst > 0)
        {
            var diff = (a - e).abs().max().item<double>();
            Assert.Fail($"{what}: max |actual - expected| = {diff:G6} exceeds atol {atol:G3} + rtol {rtol:G3}|expected|");
        }
    }

    /// <summary>The o3 math extra reference generated from e3nn 0.5.6 (see Data/reference/o3_math/README.md).</summary>
    public static JsonDocument Extra() => Reference.Load(Path.Combine("o3_math", "o3_math_extra.json"));

    /// <summary>A [n, 3] float64 tensor from a JSON list of lists.</summary>
    public static Tensor Rows(JsonElement rows)
    {
        var list = rows.EnumerateArray().Select(r => Reference.ToDoubleArray(r)).ToList();
        var cols = list[0].Length;
        return tensor(list.SelectMany(r => r).ToArray(), new long[] { list.Count, cols }, ScalarType.Float64);
    }
}
