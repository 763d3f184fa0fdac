using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>The tracing and scripting front ends, as Compile calls them.</summary>
    internal static class FrontEnds
    {
        /// <summary>Scripts one module (its compiled children are in the context).</summary>
        public static ModuleInstance Script(torch.nn.Module module, CompileContext context)
        {
            var instance = Scripting.Scripter.Script(module, context);
            InputGuards.Apply(module, instance);
            return instance;
        }

        /// <summary>Traces one module on the first of <paramref name="inputs"/> (its compiled children are in the context);
        /// an <see cref="IBatchChunked"/> module gets its chunking forward.</summary>
        public static ModuleInstance Trace(
            torch.nn.Module module, IReadOnlyList<torch.Tensor[]> inputs, CompileContext context, bool fixedLastDimension)
        {
            var instance = Tracing.Tracer.Trace(module, inputs[0], context, fixedLastDimension);
            Tracing.BatchChunking.Apply(module, instance);
            InputGuards.Apply(module, instance);
            return instance;
        }
    }
}
