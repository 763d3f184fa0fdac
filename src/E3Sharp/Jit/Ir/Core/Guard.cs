namespace E3Sharp.Jit.Ir;

/// <summary>Argument checks for the IR core, which also compiles for netstandard2.0 (no ArgumentNullException.ThrowIfNull).</summary>
internal static class Guard
{
    public static void NotNull(object? value, string name)
    {
        if (value is null)
        {
            throw new System.ArgumentNullException(name);
        }
    }
}
