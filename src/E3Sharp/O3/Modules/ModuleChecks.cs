using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>Input validation shared by the irreps modules (clear messages naming the module and what came).</summary>
internal static class ModuleChecks
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="x"/> has at least one dimension, last dimension
    /// <c>irreps.Dim</c> and dtype <paramref name="dtype"/>.
    /// </summary>
    public static void CheckInput(object module, string argument, Tensor x, Irreps irreps, ScalarType dtype)
    {
        if (x is null)
        {
            throw new ArgumentNullException(argument, $"{Describe(module)}: input '{argument}' is null.");
        }
        if (x.dim() == 0 || x.shape[^1] != irreps.Dim || x.dtype != dtype)
        {
            throw new ArgumentException(
                $"{Describe(module)}: input '{argument}' must have irreps {Show(irreps)} (last dimension {irreps.Dim}) " +
                $"and dtype {dtype}, but got a tensor of shape {ShapeOf(x)} and dtype {x.dtype}.", argument);
        }
    }

    /// <summary>Throws unless <paramref name="x"/> has at least one dimension, last dimension <paramref name="dim"/>
    /// and dtype <paramref name="dtype"/>; <paramref name="what"/> says what the last dimension holds.</summary>
    public static void CheckLastDim(object module, string argument, Tensor x, long dim, string what, ScalarType dtype)
    {
        if (x is null)
        {
            throw new ArgumentNullException(argument, $"{Describe(module)}: input '{argument}' is null.");
        }
        if (x.dim() == 0 || x.shape[^1] != dim || x.dtype != dtype)
        {
            throw new ArgumentException(
                $"{Describe(module)}: input '{argument}' must have last dimension {dim} ({what}) and dtype {dtype}, " +
                $"but got a tensor of shape {ShapeOf(x)} and dtype {x.dtype}.", argument);
        }
    }

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
    public static string ShapeOf(Tensor x) => "[" + string.Join(", ", x.shape) + "]";
}
