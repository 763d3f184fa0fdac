using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Testing;

public static partial class Assertions
{
    /// <summary>
    /// Checks that <paramref name="module"/> compiles to TorchScript by its compile mode and that the compiled module
    /// is a faithful replacement (e3nn's <c>assert_auto_jitable</c>, extended with output and save/load checks):
    /// <list type="number">
    /// <item>it compiles (<see cref="TorchScript.Compile(nn.Module, int, bool)"/> with
    /// <paramref name="nTraceChecks"/>), with no tracer warnings when <paramref name="errorOnWarnings"/>;</item>
    /// <item>on <paramref name="nRandomTests"/> random inputs the compiled module gives the eager module's outputs
    /// (1e-5 absolute + 1e-5 relative for float32, 1e-10 for float64);</item>
    /// <item>after <c>torch.jit.save</c> and <c>torch.jit.load</c> it gives the same outputs again;</item>
    /// <item>with <paramref name="strictShapes"/>, it rejects inputs whose last dimension was shortened by 1 to 3
    /// (each floating-point argument in turn), as a traced module checks the last dimension it was traced with.</item>
    /// </list>
    /// Random inputs come from the module's <see cref="ITracingInputs"/> (E3Sharp modules make them from their
    /// irreps), else from the example inputs <see cref="TorchScript.Trace(nn.Module, Tensor[])"/> gave the module
    /// (floating-point tensors redrawn with <c>randn_like</c>), else from <paramref name="exampleInputs"/>.
    /// </summary>
    /// <param name="module">The module. It must have a compile mode (its class's <see cref="CompileModeAttribute"/>,
    /// or the one an earlier <see cref="TorchScript.Trace(nn.Module, Tensor[])"/> / <see cref="TorchScript.Script(nn.Module, bool)"/>
    /// left on a module without its own).</param>
    /// <param name="strictShapes">Whether to require that a changed last input dimension is rejected. A module whose
    /// tracing inputs vary in their last dimension (<see cref="ITracingInputs.FixedLastDimension"/> false) cannot
    /// satisfy this; pass false for it.</param>
    /// <param name="nRandomTests">How many random inputs compare the compiled and eager outputs.</param>
    /// <param name="nTraceChecks">Trace checks per traced module (e3nn's default for this assertion is 2).</param>
    /// <param name="errorOnWarnings">Whether a tracer warning (a tensor turned into a bool/number while tracing) fails
    /// the assertion, as e3nn turns TracerWarnings into errors.</param>
    /// <param name="exampleInputs">Inputs for a module that can make none itself (used as they are).</param>
    /// <returns>The compiled module.</returns>
    /// <exception cref="ArgumentException">The module has no compile mode, no way to make inputs, or declares a
    /// variable last dimension while <paramref name="strictShapes"/> is set.</exception>
    /// <exception cref="AutoJitableException">A check failed (the message says which and by how much).</exception>
    public static jit.ScriptModule AssertAutoJitable(
        nn.Module module,
        bool strictShapes = true,
        int nRandomTests = 2,
        int nTraceChecks = 2,
        bool errorOnWarnings = true,
        IReadOnlyList<Tensor[]>? exampleInputs = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentOutOfRangeException.ThrowIfLessThan(nRandomTests, 1);
        var name = TorchScript.TypeName(module);
        if (TorchScript.GetCompileMode(module) is null)
        {
            throw new ArgumentException(
                $"AssertAutoJitable is only for modules with a compile mode, and {name} has none. Mark its class " +
                "[CompileMode(JitMode.Trace)] or [CompileMode(JitMode.Script)], or compile it once with " +
                "TorchScript.Trace(module, exampleInputs) or TorchScript.Script(module), which gives it that mode.",
                nameof(module));
        }

        var examples = TorchScript.GetExampleInputs(module);
        var maker = module as ITracingInputs;
        var fixedLast = maker?.FixedLastDimension ?? true;
        if (strictShapes && maker is { FixedLastDimension: false })
        {
            throw new ArgumentException(
                $"strictShapes: {name} declares ITracingInputs.FixedLastDimension = false (the last dimension of its " +
                "inputs varies), so inputs with another last dimension are legal for it. Pass strictShapes: false.",
                nameof(strictShapes));
        }

        var inputs = MakeAutoJitableInputs(module, name, maker, examples, exampleInputs, nRandomTests);

        jit.ScriptModule compiled;
        try
        {
            compiled = TorchScript.Compile(module, nTraceChecks);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new AutoJitableException($"{name} does not compile to TorchScript: {e.Message}", e);
        }

        var warnings = TorchScript.GetWarnings(compiled);
        if (errorOnWarnings && warnings.Count > 0)
        {
            throw new AutoJitableException(
                $"Compiling {name} reported {warnings.Count} warning(s) (errorOnWarnings): {string.Join(" | ", warnings)}");
        }

        var compiledOutputs = new List<object?>();
        using (no_grad())
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                var expected = TorchScript.ModuleInvoker.Invoke(module, inputs[i]);
                var actual = Run(compiled, inputs[i], name, $"random input {i}");
                compiledOutputs.Add(actual);
                if (TorchScript.ModuleInvoker.Compare(expected, actual) is { } problem)
                {
                    throw new AutoJitableException(
                        $"{name}: on random input {i} (shapes {TorchScript.ModuleInvoker.Shapes(inputs[i])}) {problem} " +
                        "between the compiled and the eager module.");
                }
            }

            var path = Path.Combine(Path.GetTempPath(), $"e3sharp-autojit-{Guid.NewGuid():N}.pt");
            try
            {
                jit.save(compiled, path);
                using var reloaded = jit.load(path);
                for (var i = 0; i < inputs.Count; i++)
                {
                    var again = Run(reloaded, inputs[i], name, $"random input {i} after torch.jit.save/load");
                    if (TorchScript.ModuleInvoker.Compare(compiledOutputs[i], again) is { } problem)
                    {
                        throw new AutoJitableException(
                            $"{name}: after a torch.jit.save/load round trip, on random input {i} {problem} between the " +
                            "reloaded and the compiled module.");
                    }
                }
            }
            finally
            {
                File.Delete(path);
            }

            if (strictShapes && fixedLast)
            {
                CheckStrictShapes(compiled, inputs[0], name);
            }
        }

        return compiled;
    }

    private static List<Tensor[]> MakeAutoJitableInputs(
        nn.Module module, string name, ITracingInputs? maker, IReadOnlyList<Tensor[]>? examples,
        IReadOnlyList<Tensor[]>? given, int n)
    {
        if (given is { Count: > 0 })
        {
            return given.ToList();
        }

        if (maker is not null)
        {
            var made = maker.MakeTracingInputs(n);
            if (made is null || made.Count == 0)
            {
                throw new ArgumentException($"{name}.MakeTracingInputs({n}) returned no inputs.", nameof(module));
            }

            return made.Take(n).ToList();
        }

        if (examples is { Count: > 0 })
        {
            return Enumerable.Range(0, n)
                .Select(_ => examples[0].Select(t => t.is_floating_point() ? randn_like(t) : t.clone()).ToArray())
                .ToList();
        }

        throw new ArgumentException(
            $"AssertAutoJitable cannot make inputs for {name}: implement ITracingInputs on it, trace it once with " +
            "TorchScript.Trace(module, exampleInputs), or pass exampleInputs.", nameof(module));
    }

    private static object? Run(jit.ScriptModule compiled, Tensor[] input, string name, string what)
    {
        try
        {
            return TorchScript.ModuleInvoker.Invoke(compiled, input);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not AutoJitableException)
        {
            throw new AutoJitableException(
                $"{name}: the compiled module failed on {what} (shapes {TorchScript.ModuleInvoker.Shapes(input)}) that the eager " +
                $"module accepts: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static void CheckStrictShapes(jit.ScriptModule compiled, Tensor[] input, string name)
    {
        var random = new Random((int)randint(0, int.MaxValue, 1, dtype: int64).item<long>());
        var checkedAny = false;
        for (var j = 0; j < input.Length; j++)
        {
            var arg = input[j];
            if (!arg.is_floating_point() || arg.dim() == 0 || arg.shape[^1] == 0)
            {
                continue;
            }

            checkedAny = true;
            var last = arg.shape[^1];
            var drop = Math.Min(random.Next(1, 4), last);
            var bad = input.ToArray();
            bad[j] = arg.narrow(-1, 0, last - drop);
            bool rejected;
            try
            {
                TorchScript.ModuleInvoker.Invoke(compiled, bad);
                rejected = false;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                rejected = true;
            }

            if (!rejected)
            {
                throw new AutoJitableException(
                    $"{name}: the compiled module accepted argument {j} with its last dimension changed from {last} to " +
                    $"{last - drop} (strictShapes): it should reject inputs whose last dimension differs from the traced one.");
            }
        }

        if (!checkedAny)
        {
            throw new AutoJitableException(
                $"{name}: strictShapes found no floating-point argument with a last dimension to change; pass strictShapes: false.");
        }
    }
}
