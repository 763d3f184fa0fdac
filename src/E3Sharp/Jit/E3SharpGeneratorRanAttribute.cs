using System.ComponentModel;
using System.Reflection;

namespace E3Sharp.Jit;

/// <summary>
/// Emitted by the E3Sharp source generator into every assembly whose build it ran in (one that references E3Sharp),
/// so that a missing translation can be told apart from a missing generator: a module class in an assembly without
/// this attribute was never seen by the generator (the package's analyzer, or the generator project referenced as an
/// Analyzer, is missing from that build). User code does not apply it.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class E3SharpGeneratorRanAttribute : Attribute
{
    /// <summary>
    /// The message for a module type whose assembly references E3Sharp but was built without the generator, or null
    /// when the generator ran there (or the assembly does not use E3Sharp: a TorchSharp built-in, for example).
    /// </summary>
    /// <param name="moduleType">The module's .NET type.</param>
    public static string? GeneratorMissing(Type moduleType)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        var assembly = moduleType.Assembly;
        var e3Sharp = typeof(E3SharpGeneratorRanAttribute).Assembly;
        // Only an assembly built against E3Sharp could have had the generator (a TorchSharp built-in could not).
        if (assembly == e3Sharp || assembly.IsDefined(typeof(E3SharpGeneratorRanAttribute), inherit: false) ||
            !assembly.GetReferencedAssemblies().Any(a => a.Name == e3Sharp.GetName().Name))
        {
            return null;
        }

        return $"{moduleType.FullName ?? moduleType.Name} cannot be compiled: the E3Sharp source generator did not run in " +
               $"the build of {assembly.GetName().Name}; reference the E3Sharp package, or the generator project as an Analyzer.";
    }
}
