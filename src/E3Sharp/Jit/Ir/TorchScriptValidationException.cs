namespace E3Sharp.Jit.Ir;

/// <summary>
/// The IR cannot be written as a TorchScript archive: it would fail to compile in LibTorch (which aborts the
/// process instead of throwing). The message names the class, method and statement.
/// </summary>
public sealed class TorchScriptValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="className">The qualified class name, if known.</param>
    /// <param name="methodName">The method name, if the problem is in a method.</param>
    /// <param name="statement">The offending statement's source (first line), if any.</param>
    public TorchScriptValidationException(string message, string? className = null, string? methodName = null, string? statement = null)
        : base(message)
    {
        ClassName = className;
        MethodName = methodName;
        Statement = statement;
    }

    /// <summary>The qualified name of the class with the problem.</summary>
    public string? ClassName { get; }

    /// <summary>The method with the problem.</summary>
    public string? MethodName { get; }

    /// <summary>The statement with the problem (TorchScript source, first line).</summary>
    public string? Statement { get; }
}
