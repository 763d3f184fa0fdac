using System.Reflection;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace E3Sharp.Jit;

/// <summary>
/// Compiles E3Sharp and TorchSharp modules to TorchScript (e3nn's <c>e3nn.util.jit</c>): <see cref="Compile"/> walks
/// the module tree children first and compiles every module that has a compile mode by that mode (trace or script),
/// <see cref="Script"/> and <see cref="Trace"/> force the mode of the top module, <see cref="Describe"/> shows how
/// each part of a compiled module was made.
/// </summary>
/// <remarks>
/// A module's compile mode comes from, in order: an override of this instance (given by <see cref="Script"/> or
/// <see cref="Trace"/>), then the <see cref="CompileModeAttribute"/> of its class or of a base class. A module with
/// neither has no mode: it is compiled only as part of its parent (traced through, or scripted with it).
/// </remarks>
public static partial class TorchScript
{
    /// <summary>A per-instance mode given by <see cref="Script"/> / <see cref="Trace"/>, with the example inputs of a trace.</summary>
    private sealed record ModeOverride(JitMode Mode, IReadOnlyList<torch.Tensor[]>? ExampleInputs);

    private static readonly ConditionalWeakTable<torch.nn.Module, ModeOverride> Overrides = new();

    /// <summary>
    /// Whether the tracer is running on this thread (PyTorch's <c>torch.jit.is_tracing()</c>). A module's
    /// <c>forward</c> can use it to keep an eager-only shortcut (such as evaluating a large batch in pieces) out of
    /// what the tracer records: <c>if (!TorchScript.IsTracing &amp;&amp; ...)</c>.
    /// </summary>
    public static bool IsTracing => Tracing.TraceSession.IsActive;

    /// <summary>
    /// Whether autograd records operations (<c>torch.is_grad_enabled()</c>); while the tracer runs, the grad mode the
    /// trace is for. A module whose forward reads it while traced is traced twice, with autograd and without, and its
    /// compiled <c>forward</c> runs the matching trace (<c>if torch.is_grad_enabled(): return
    /// self.forward_grad(...)</c>, else <c>self.forward_no_grad(...)</c>). A forward may so take, without autograd,
    /// a formulation that is faster there but whose backward would be slower; both must compute the same function
    /// (the trace check runs in both modes).
    /// </summary>
    public static bool GradEnabled =>
        Tracing.TraceSession.IsActive ? Tracing.TraceSession.Current.ReadGradMode() : torch.is_grad_enabled();

    /// <summary>
    /// The compile mode of <paramref name="module"/>: the mode this instance was given by <see cref="Script"/> or
    /// <see cref="Trace"/>, else the <see cref="CompileModeAttribute"/> of its class (inherited from base classes),
    /// else null (no mode: compiled only as part of its parent). TorchScript modules (already compiled) have no mode.
    /// </summary>
    /// <param name="module">The module.</param>
    /// <returns>The mode, or null.</returns>
    public static JitMode? GetCompileMode(torch.nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (module is torch.jit.ScriptModule)
        {
            return null;
        }

        if (Overrides.TryGetValue(module, out var o))
        {
            return o.Mode;
        }

        return GetClassCompileMode(module.GetType());
    }

    /// <summary>The mode declared by <see cref="CompileModeAttribute"/> on <paramref name="type"/> or a base class, or null.</summary>
    /// <param name="type">A module type.</param>
    internal static JitMode? GetClassCompileMode(Type type) =>
        type.GetCustomAttribute<CompileModeAttribute>(inherit: true)?.Mode;

    /// <summary>The example inputs this instance was given by <see cref="Trace"/>, or null.</summary>
    /// <param name="module">The module.</param>
    internal static IReadOnlyList<torch.Tensor[]>? GetExampleInputs(torch.nn.Module module) =>
        Overrides.TryGetValue(module, out var o) ? o.ExampleInputs : null;

    private static ModeOverride? GetOverride(torch.nn.Module module) =>
        Overrides.TryGetValue(module, out var o) ? o : null;

    private static void SetOverride(torch.nn.Module module, ModeOverride? value)
    {
        if (value is null)
        {
            Overrides.Remove(module);
        }
        else
        {
            Overrides.AddOrUpdate(module, value);
        }
    }

    /// <summary>The C# name of a module's type, as used in messages (<c>Norm</c>, <c>Sequential</c>).</summary>
    /// <param name="module">The module.</param>
    internal static string TypeName(object module)
    {
        var name = module.GetType().Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }
}
