namespace E3Sharp.Jit.Ir;

/// <summary>A parameter of an operator schema.</summary>
/// <param name="Name">The parameter name (usable as a keyword).</param>
/// <param name="Type">Its schema type.</param>
/// <param name="Default">The default as written in the schema, or null when the argument is required.</param>
/// <param name="KeywordOnly">Whether the parameter comes after <c>*</c> (keyword-only).</param>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
sealed record OpParam(string Name, OpType Type, string? Default, bool KeywordOnly)
{
    /// <summary>Whether the argument may be omitted.</summary>
    public bool HasDefault => Default is not null;

    /// <inheritdoc/>
    public override string ToString() => $"{Type} {Name}" + (Default is null ? "" : "=" + Default);
}
