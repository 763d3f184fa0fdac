namespace E3Sharp.Jit.Scripting;

/// <summary>
/// A module cannot be scripted: it has no generated script, or its live state does not fit what the generated code
/// needs (for example a submodule that has no TorchScript form). Unsupported C# constructs are build-time errors
/// (E3S001–E3S049), not this exception.
/// </summary>
public sealed class ScriptingException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, naming the module and its member.</param>
    public ScriptingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The cause.</param>
    public ScriptingException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
