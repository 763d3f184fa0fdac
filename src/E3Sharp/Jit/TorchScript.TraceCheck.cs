using E3Sharp.Jit.Import;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// The trace check (e3nn passes its tracing inputs to <c>torch.jit.trace_module</c> as <c>check_inputs</c>):
    /// the freshly traced module is written and loaded on its own and run on every tracing input, and each output is
    /// compared with the eager module's.
    /// </summary>
    internal static class TraceCheck
    {
        /// <summary>Runs the check; throws <see cref="InvalidOperationException"/> naming the module on a mismatch.</summary>
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

        /// <summary>Runs the check on an already loaded compiled module.</summary>
        /// <param name="module">The eager module.</param>
        /// <param name="loaded">Its compiled form.</param>
        /// <param name="inputs">Its tracing inputs.</param>
        /// <param name="warnings">Warnings the tracer reported for this module.</param>
        public static void Run(
            torch.nn.Module module, torch.jit.ScriptModule loaded, IReadOnlyList<torch.Tensor[]> inputs, IReadOnlyList<string> warnings)
        {
            var typeName = TypeName(module);
            using var noGrad = torch.no_grad();
            for (var i = 0; i < inputs.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                var input = inputs[i];
                var expected = ModuleInvoker.Invoke(module, input);
                object? actual;
                try
                {
                    actual = ModuleInvoker.Invoke(loaded, input);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new InvalidOperationException(
                        $"Trace check failed for {typeName}: the traced module rejected tracing input {i} " +
                        $"(shapes {ModuleInvoker.Shapes(input)}) that the eager module accepts: {FirstLine(e.Message)}" +
                        Hint(warnings), e);
                }

                if (ModuleInvoker.Compare(expected, actual) is { } difference)
                {
                    throw new InvalidOperationException(
                        $"Trace check failed for {typeName}: on tracing input {i} of {inputs.Count} " +
                        $"(shapes {ModuleInvoker.Shapes(input)}) {difference} between the traced and the eager " +
                        "module. The trace recorded something that depends on the input as fixed (a branch, loop or " +
                        "size decided by input values or shapes); mark the module [CompileMode(JitMode.Script)] to keep " +
                        "that control flow, or make its forward independent of it." + Hint(warnings));
                }
            }
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
