using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// Compiles <paramref name="module"/> with its own mode overridden to <see cref="JitMode.Script"/> (e3nn's
    /// <c>script</c>); its children are compiled by their own modes. A module that had a mode gets it back
    /// afterwards; a module without one keeps Script as its mode (as in e3nn, so that a later
    /// <see cref="Compile(torch.nn.Module, int, bool)"/> or <c>Assertions.AssertAutoJitable</c> compiles it the same
    /// way). If compilation fails, the previous state is always restored.
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="inPlace">See <see cref="Compile(torch.nn.Module, int, bool)"/>.</param>
    /// <returns>The compiled module.</returns>
    public static torch.jit.ScriptModule Script(torch.nn.Module module, bool inPlace = false) =>
        WithOverride(module, JitMode.Script, null, () => Compile(module, 1, inPlace));

    /// <summary>Scripts a one-input module; see <see cref="Script(torch.nn.Module, bool)"/>.</summary>
    /// <typeparam name="T">The input type.</typeparam>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="module">The module.</param>
    /// <param name="inPlace">See <see cref="Compile(torch.nn.Module, int, bool)"/>.</param>
    /// <returns>The compiled module.</returns>
    public static torch.jit.ScriptModule<T, TResult> Script<T, TResult>(torch.nn.Module<T, TResult> module, bool inPlace = false) =>
        WithOverride(module, JitMode.Script, null, () => Compile(module, 1, inPlace));

    /// <summary>Scripts a two-input module; see <see cref="Script(torch.nn.Module, bool)"/>.</summary>
    /// <typeparam name="T1">The first input type.</typeparam>
    /// <typeparam name="T2">The second input type.</typeparam>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="module">The module.</param>
    /// <param name="inPlace">See <see cref="Compile(torch.nn.Module, int, bool)"/>.</param>
    /// <returns>The compiled module.</returns>
    public static torch.jit.ScriptModule<T1, T2, TResult> Script<T1, T2, TResult>(
        torch.nn.Module<T1, T2, TResult> module, bool inPlace = false) =>
        WithOverride(module, JitMode.Script, null, () => Compile(module, 1, inPlace));

    /// <summary>
    /// Compiles <paramref name="module"/> with its own mode overridden to <see cref="JitMode.Trace"/> (e3nn's
    /// <c>trace</c>): it is traced on <paramref name="exampleInputs"/> (its children are compiled by their own modes,
    /// on their own tracing inputs). The traced code checks that the last dimension of every input equals the
    /// example's. With no example inputs, the module's <see cref="ITracingInputs"/> provides them. A module that had a
    /// mode gets it back afterwards; a module without one keeps Trace and these example inputs (as in e3nn).
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="exampleInputs">The forward's tensor arguments, in order.</param>
    /// <returns>The compiled module.</returns>
    public static torch.jit.ScriptModule Trace(torch.nn.Module module, params torch.Tensor[] exampleInputs) =>
        WithOverride(module, JitMode.Trace, Examples(exampleInputs), () => Compile(module));

    /// <summary>Traces a one-input module; see <see cref="Trace(torch.nn.Module, torch.Tensor[])"/>.</summary>
    /// <typeparam name="T">The input type.</typeparam>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="module">The module.</param>
    /// <param name="exampleInputs">The example inputs.</param>
    /// <returns>The compiled module.</returns>
    public static torch.jit.ScriptModule<T, TResult> Trace<T, TResult>(torch.nn.Module<T, TResult> module, params torch.Tensor[] exampleInputs) =>
        WithOverride(module, JitMode.Trace, Examples(exampleInputs), () => Compile(module));

    /// <summary>Traces a two-input module; see <see cref="Trace(torch.nn.Module, torch.Tensor[])"/>.</summary>
    /// <typeparam name="T1">The first input type.</typeparam>
    /// <typeparam name="T2">The second input type.</typeparam>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="module">The module.</param>
    /// <param name="exampleInputs">The example inputs.</param>
    /// <returns>The compiled module.</returns>
    public static torch.jit.ScriptModule<T1, T2, TResult> Trace<T1, T2, TResult>(
        torch.nn.Module<T1, T2, TResult> module, params torch.Tensor[] exampleInputs) =>
        WithOverride(module, JitMode.Trace, Examples(exampleInputs), () => Compile(module));

    private static IReadOnlyList<torch.Tensor[]>? Examples(torch.Tensor[]? exampleInputs)
    {
        if (exampleInputs is null || exampleInputs.Length == 0)
        {
            return null;
        }

        for (var i = 0; i < exampleInputs.Length; i++)
        {
            if (exampleInputs[i] is null)
            {
                throw new ArgumentNullException(nameof(exampleInputs), $"Example input {i} is null.");
            }
        }

        return [exampleInputs.ToArray()];
    }

    private static T WithOverride<T>(torch.nn.Module module, JitMode mode, IReadOnlyList<torch.Tensor[]>? examples, Func<T> compile)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (module is torch.jit.ScriptModule)
        {
            return compile();
        }

        var previous = GetOverride(module);
        if (previous is null && GetClassCompileMode(module.GetType()) == JitMode.Unsupported)
        {
            // The class says it cannot be compiled: no mode override changes that (as e3nn refuses it).
            throw new NotSupportedException($"{TypeName(module)} does not support TorchScript compilation");
        }

        var hadMode = GetCompileMode(module) is not null;
        if (mode == JitMode.Trace && examples is null && module is not ITracingInputs && previous?.ExampleInputs is { } kept)
        {
            examples = kept;
        }

        SetOverride(module, new ModeOverride(mode, examples));
        try
        {
            var result = compile();
            if (hadMode)
            {
                SetOverride(module, previous);
            }

            return result;
        }
        catch
        {
            SetOverride(module, previous);
            throw;
        }
    }
}
