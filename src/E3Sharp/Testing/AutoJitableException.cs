namespace E3Sharp.Testing;

/// <summary>Thrown by <see cref="Assertions.AssertAutoJitable"/> when a module does not compile, or its compiled form
/// is not a faithful replacement (different outputs, a failed save/load round trip, an accepted wrong shape).</summary>
public sealed class AutoJitableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public AutoJitableException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="inner">The cause.</param>
    public AutoJitableException(string message, Exception inner) : base(message, inner)
    {
    }
}
