using E3Sharp.Jit.Import;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// The trace check (e3nn passes its tracing inputs to <c>torch.jit.trace_module</c> as <c>check_inputs</c>):
    /// the traced module is run on every tracing input and each output is compared with the eager module's
    /// (<see cref="ModuleInvoker.Compare"/>). The one implementation behind <see cref="Compile"/>'s check and
    /// <see cref="Tracing.Tracer.Check"/>.
    /// </summary>
    internal static class TraceCheck
    {
        /// <summary>Writes and loads the freshly traced module on its own and checks it; throws
        /// <see cref="InvalidOperationException"/> naming the module on a mismatch.</summary>
        /// <param name="module">The eager module.</param>
        /// <param name="traced">Its traced IR.</param>
        /// <param name="inputs">Its tracing inputs (the first one was traced).</param>
        /// <param name="imports">The compilation's imported TorchScript modules (the traced IR may call them).</param>
        /// <param name="warnings">Warnings the tracer reported for this module (quoted in the message).</param>
        public static void Run(
            torch.nn.Module module, ModuleInstance traced, IReadOnlyList<torch.Tensor[]> inputs, ImportSet imports,
            IReadOnlyList<string> warnings)
        {
            using var loaded = torch.jit.load(imports.WriteArchive(traced));
            Run(module, loaded, inputs, warnings);
        }

        /// <summary>Checks an already loaded compiled module; throws <see cref="InvalidOperationException"/> on a
        /// mismatch.</summary>
        /// <param name="module">The eager module.</param>
        /// <param name="loaded">Its compiled form.</param>
        /// <param name="inputs">Its tracing inputs.</param>
        /// <param name="warnings">Warnings the tracer reported for this module.</param>
        public static void Run(
            torch.nn.Module module, torch.jit.ScriptModule loaded, IReadOnlyList<torch.Tensor[]> inputs, IReadOnlyList<string> warnings)
        {
            if (Find(module, loaded, inputs, warnings) is { } failure)
            {
                throw new InvalidOperationException(failure.Message, failure.Cause);
            }
        }

        /// <summary>Runs the check; returns null when every output agrees, else the failure's message (naming the
        /// module, the input and its shapes, the difference, a script-mode hint and the tracer's warnings) and the
        /// exception that caused it, if any.</summary>
        /// <param name="module">The eager module.</param>
        /// <param name="loaded">Its compiled form.</param>
        /// <param name="inputs">The tracing inputs (each holds the forward's tensor arguments).</param>
        /// <param name="warnings">Warnings the tracer reported for this module.</param>
        public static (string Message, Exception? Cause)? Find(
            torch.nn.Module module, torch.jit.ScriptModule loaded, IReadOnlyList<torch.Tensor[]> inputs, IReadOnlyList<string> warnings)
        {
            // A module traced once per grad mode is checked in both (each mode runs its own trace).
            using (torch.no_grad())
            {
                if (FindIn(module, loaded, inputs, warnings, "") is { } failure)
                {
                    return failure;
                }
            }

            if (!Tracing.Tracer.GradModeTraced.TryGetValue(module, out _))
            {
                return null;
            }

            using (torch.enable_grad())
            {
                return FindIn(module, loaded, inputs, warnings, " with autograd");
            }
        }

        private static (string Message, Exception? Cause)? FindIn(torch.nn.Module module, torch.jit.ScriptModule loaded,
            IReadOnlyList<torch.Tensor[]> inputs, IReadOnlyList<string> warnings, string mode)
        {
            var typeName = TypeName(module);
            for (var i = 0; i < inputs.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                var input = inputs[i];
                object? expected;
                try
                {
                    expected = ModuleInvoker.Invoke(module, input);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    return ($"Trace check failed for {typeName}{mode}: the eager module failed on tracing input {i} " +
                            $"(shapes {ModuleInvoker.Shapes(input)}): {FirstLine(e.Message)}", e);
                }

                object? actual;
                try
                {
                    actual = ModuleInvoker.Invoke(loaded, input);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    return ($"Trace check failed for {typeName}{mode}: the traced module rejected tracing input {i} " +
                            $"(shapes {ModuleInvoker.Shapes(input)}) that the eager module accepts: {FirstLine(e.Message)}" +
                            Hint(warnings), e);
                }

                if (ModuleInvoker.Compare(expected, actual) is { } difference)
                {
                    return ($"Trace check failed for {typeName}{mode}: on tracing input {i} of {inputs.Count} " +
                            $"(shapes {ModuleInvoker.Shapes(input)}) {difference} between the traced and the eager " +
                            "module. The trace recorded something that depends on the input as fixed (a branch, loop or " +
                            "size decided by input values or shapes); mark the module [CompileMode(JitMode.Script)] to keep " +
                            "that control flow, or make its forward independent of it." + Hint(warnings), null);
                }
            }

            return null;
        }

        private static string Hint(IReadOnlyList<string> warnings) =>
            warnings.Count == 0 ? "" : " Tracer warnings: " + string.Join(" | ", warnings);

        private static string FirstLine(string message)
        {
            var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.FirstOrDefault(l => l.Contains("Error", StringComparison.Ordinal) || l.Contains("assert", StringComparison.OrdinalIgnoreCase))
                   ?? (lines.Length > 0 ? lines[0] : message);
        }
    }
}
