using System.Collections.Concurrent;
using System.ComponentModel;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Scripting;

/// <summary>
/// Builds the TorchScript methods of one module instance from the code the E3Sharp source generator produced for
/// its class: the generated code calls <paramref name="binder"/> for everything that depends on the module's live
/// state (parameters, buffers, submodules, constants) and returns the methods (<c>forward</c> first).
/// </summary>
/// <param name="module">The eager module being scripted.</param>
/// <param name="binder">Joins the generated code with the module's state.</param>
/// <returns>The methods of the module's TorchScript class, <c>forward</c> first.</returns>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate IReadOnlyList<MethodDef> ScriptMethodsBuilder(torch.nn.Module module, ScriptBinder binder);

/// <summary>
/// The registry of module classes the E3Sharp source generator translated (<c>[CompileMode(JitMode.Script)]</c>
/// partial classes). Generated code registers each class from a module initializer; user code does not need to
/// call <see cref="Register"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ScriptRegistry
{
    private static readonly ConcurrentDictionary<Type, ScriptMethodsBuilder> Builders = new();
    private static readonly ConcurrentDictionary<Type, string> Unscriptable = new();

    /// <summary>Registers the generated builder of a module class (called by generated code).</summary>
    /// <param name="moduleType">The module class.</param>
    /// <param name="builder">Its generated method builder.</param>
    public static void Register(Type moduleType, ScriptMethodsBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        ArgumentNullException.ThrowIfNull(builder);
        Builders[moduleType] = builder;
    }

    /// <summary>
    /// Records why a partial module class without a compile mode could not be translated (called by generated code),
    /// so that a scripted parent's error names the class and the reason.
    /// </summary>
    /// <param name="moduleType">The module class.</param>
    /// <param name="reason">The generator's findings (what in its forward is outside the scripting subset).</param>
    public static void RegisterUnscriptable(Type moduleType, string reason)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        ArgumentNullException.ThrowIfNull(reason);
        Unscriptable[moduleType] = reason;
    }

    /// <summary>Why <paramref name="moduleType"/> could not be translated, or null when nothing was recorded.</summary>
    /// <param name="moduleType">The module class.</param>
    public static string? UnscriptableReason(Type moduleType)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        EnsureInitialized(moduleType);
        return Unscriptable.TryGetValue(moduleType, out var reason) ? reason : null;
    }

    /// <summary>
    /// The generated builder for <paramref name="moduleType"/>: the class's own, or that of the nearest base class
    /// that has one when the classes in between do not declare their own <c>forward</c>.
    /// </summary>
    /// <param name="moduleType">The module class.</param>
    /// <param name="builder">The builder, when found.</param>
    /// <returns>Whether a builder was found.</returns>
    public static bool TryGet(Type moduleType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ScriptMethodsBuilder? builder)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        for (var t = moduleType; t is not null && t != typeof(object); t = t.BaseType)
        {
            EnsureInitialized(t);
            if (Builders.TryGetValue(t, out builder))
            {
                return true;
            }

            if (DeclaresForward(t))
            {
                break;
            }
        }

        builder = null;
        return false;
    }

    private static bool DeclaresForward(Type t) =>
        t.GetMethods(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public |
                     System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly)
            .Any(m => m.Name == "forward");

    // Module initializers run before any type of their module is used, so this is normally a no-op; it makes the
    // lookup independent of that ordering (e.g. a type obtained by reflection only).
    private static void EnsureInitialized(Type t) =>
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(t.Module.ModuleHandle);
}
