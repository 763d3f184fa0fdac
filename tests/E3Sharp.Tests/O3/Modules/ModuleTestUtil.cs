using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

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

/// <summary>Tensor products exercising one connection mode (e3nn's tensor_product_test <c>make_tp</c>, smaller).</summary>
internal static class ModeTensorProducts
{
    /// <summary>Connection modes that may be used without weights.</summary>
    public static readonly string[] UnweightedModes = { "uvu", "uvv", "uuw", "uuu", "uvuv", "uvu<v" };

    /// <summary>All connection modes.</summary>
    public static readonly string[] AllModes = { "uvw", "uvu", "uvv", "uuw", "uuu", "uvuv", "uvu<v", "u<vw" };

    /// <summary>(mode, hasWeight) pairs that are valid.</summary>
    public static IEnumerable<object[]> Cases() =>
        AllModes.Select(m => new object[] { m, true }).Concat(UnweightedModes.Select(m => new object[] { m, false }));

    /// <summary>
    /// <c>{m1}x1o+{m1}x2e ⊗ {m2}x1e+{m2}x0o → {mo}x1o+{mo}x2o</c> with paths (0,0,0,mode), (1,1,1,mode) and an extra
    /// weighted uvw path (0,0,1) of path weight 0.5; multiplicities chosen to satisfy the mode.
    /// </summary>
    public static global::E3Sharp.O3.Modules.TensorProduct Make(string mode, bool weight, TorchSharp.torch.ScalarType dtype,
        string irrepNormalization = "component", string pathNormalization = "element", bool sharedWeights = true)
    {
        var (m1, m2, mo) = mode switch
        {
            "uvw" => (2, 3, 4),
            "uvu" => (3, 2, 3),
            "uvv" => (2, 3, 3),
            "uuw" => (3, 3, weight ? 2 : 1),
            "uuu" => (3, 3, 3),
            "uvuv" => (2, 3, 6),
            "uvu<v" => (3, 3, 3),
            "u<vw" => (3, 3, 2),
            _ => throw new ArgumentException(mode),
        };
        var instructions = new[]
        {
            new global::E3Sharp.O3.Modules.Instruction(0, 0, 0, mode, weight),
            new global::E3Sharp.O3.Modules.Instruction(1, 1, 1, mode, weight),
            new global::E3Sharp.O3.Modules.Instruction(0, 0, 1, "uvw", true, 0.5),
        };
        return new global::E3Sharp.O3.Modules.TensorProduct($"{m1}x1o+{m1}x2e", $"{m2}x1e+{m2}x0o", $"{mo}x1o+{mo}x2o", instructions,
            irrepNormalization: irrepNormalization, pathNormalization: pathNormalization, sharedWeights: sharedWeights,
            dtype: dtype);
    }
}
