namespace E3Sharp.Jit.Tracing;

/// <summary>
/// Tracing failed: an operation the tracer cannot record, a module type it cannot trace through, a trace that would
/// not hold for other input shapes, or a traced module whose outputs differ from the eager ones. The message names
/// the module and, where known, the source line.
/// </summary>
public sealed class TracingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public TracingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public TracingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
