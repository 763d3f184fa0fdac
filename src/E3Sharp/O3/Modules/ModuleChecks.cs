using E3Sharp.Jit.Scripting;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>Input validation shared by the irreps modules (clear messages naming the module and what came).</summary>
internal static class ModuleChecks
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless a tensor of shape <paramref name="shape"/> and dtype
    /// <paramref name="dtype"/> has at least one dimension, last dimension <c>irreps.Dim</c> and dtype
    /// <paramref name="expectedDtype"/>. Takes the shape and dtype (not the tensor) so that forwards calling it stay
    /// traceable. Eager only: scripted forwards leave the call out (TorchScript ops check shapes themselves).
    /// </summary>
    [EagerOnly]
    public static void CheckInput(object module, string argument, long[] shape, ScalarType dtype, Irreps irreps,
        ScalarType expectedDtype)
    {
        if (shape.Length == 0 || shape[^1] != irreps.Dim || dtype != expectedDtype)
        {
            throw new ArgumentException(
                $"{Describe(module)}: input '{argument}' must have irreps {Show(irreps)} (last dimension {irreps.Dim}) " +
                $"and dtype {expectedDtype}, but got a tensor of shape {ShapeOf(shape)} and dtype {dtype}.", argument);
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
    public static string ShapeOf(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
