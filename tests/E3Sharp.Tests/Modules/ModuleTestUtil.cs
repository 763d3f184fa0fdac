using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Modules;

/// <summary>Small helpers for the module tests.</summary>
internal static class ModuleTestUtil
{
    /// <summary>Asserts equal shapes and max |actual - expected| &lt;= atol (compared in float64).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double atol, string what = "")
    {
        Assert.Equal(expected.shape, actual.shape);
        if (expected.numel() == 0) return;
        using var diff = actual.detach().to(ScalarType.Float64).sub(expected.detach().to(ScalarType.Float64)).abs().max();
        var d = diff.item<double>();
        Assert.True(d <= atol, $"{what}: max abs difference {d:E3} > {atol:E1}");
    }

    /// <summary>Maximum absolute value (float64).</summary>
    public static double MaxAbs(Tensor t) =>
        t.numel() == 0 ? 0.0 : t.detach().to(ScalarType.Float64).abs().max().item<double>();

    /// <summary>Copies <paramref name="values"/> into <paramref name="target"/> without recording gradients.</summary>
    public static void Assign(Tensor target, Tensor values)
    {
        using var noGrad = no_grad();
        target.copy_(values.to(target.dtype));
    }

    /// <summary>Tolerance for comparing against e3nn reference values.</summary>
    public static double ReferenceTolerance(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-10 : 1e-5;
}
