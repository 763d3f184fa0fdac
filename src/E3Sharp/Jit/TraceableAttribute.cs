namespace E3Sharp.Jit;

/// <summary>
/// Marks a <c>static partial</c> helper class whose tensor methods are called from traced forwards, so the source
/// generator also emits tracing twins for them.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class TraceableAttribute : Attribute
{
}
