using E3Sharp.Jit.Scripting;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>Message helpers shared by the irreps modules; their input checks are <see cref="E3Sharp.Jit.InputContract"/>s.</summary>
internal static class ModuleChecks
{
    /// <summary>An irreps-valued argument of an <see cref="E3Sharp.Jit.InputContract"/>.</summary>
    public static E3Sharp.Jit.InputSpec Input(string name, Irreps irreps) =>
        new(name, irreps.Dim, $"irreps {Show(irreps)} (last dimension {irreps.Dim})");

    /// <summary>Whether <paramref name="dtype"/> is a real floating type.</summary>
    public static bool IsFloating(ScalarType dtype) =>
        dtype is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    /// <summary>The module's type name and its description (its <c>ToString</c>, e3nn's repr).</summary>
    public static string Describe(object module)
    {
        var text = module.ToString() ?? string.Empty;
        var name = module.GetType().Name;
        return text.StartsWith(name, StringComparison.Ordinal) ? text : $"{name} {text}".TrimEnd();
    }

    /// <summary>An irreps for messages (<c>""</c> shown as <c>(empty)</c>).</summary>
    public static string Show(Irreps irreps) => irreps.Length == 0 ? "(empty)" : irreps.ToString();

    /// <summary>A shape as <c>[a, b, c]</c>.</summary>
    public static string ShapeOf(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
