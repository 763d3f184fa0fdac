namespace E3Sharp.Jit;

/// <summary>How a module is compiled to TorchScript (e3nn's <c>compile_mode</c>).</summary>
public enum JitMode
{
    /// <summary>Compile the module's <c>forward</c> from its C# source (data-dependent control flow is kept).</summary>
    Script,

    /// <summary>Run the module on example inputs and record the operations it performed (structure loops unroll).</summary>
    Trace,

    /// <summary>The module cannot be compiled; compiling a tree that contains it fails with a clear error.</summary>
    Unsupported,
}
