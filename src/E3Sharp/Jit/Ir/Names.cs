namespace E3Sharp.Jit.Ir;

/// <summary>Rules for names in the IR (identifiers that TorchScript and the archive environment accept).</summary>
internal static class Names
{
    private static readonly HashSet<string> PythonKeywords = new(ReservedNameLists.PythonKeywords, StringComparer.Ordinal);

    // Names the archive's code environment (or TorchScript's builtins) gives a meaning; a local with such a name
    // would shadow it in printed code.
    private static readonly HashSet<string> ReservedLocals = new(ReservedNameLists.EnvironmentNames, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="name"/> is an ASCII identifier (<c>[A-Za-z_][A-Za-z0-9_]*</c>).</summary>
    /// <param name="name">The name.</param>
    public static bool IsIdentifier(string? name)
    {
        if (string.IsNullOrEmpty(name) || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="name"/> is a Python/TorchScript keyword.</summary>
    /// <param name="name">The name.</param>
    public static bool IsKeyword(string name) => PythonKeywords.Contains(name);

    /// <summary>
    /// Why <paramref name="name"/> cannot be used as a local variable or parameter name, or null when it can
    /// (an identifier, not a keyword, not a name of the archive environment such as <c>torch</c> or <c>len</c>).
    /// </summary>
    /// <param name="name">The name.</param>
    public static string? LocalNameProblem(string name)
    {
        if (!IsIdentifier(name))
        {
            return $"'{name}' is not a valid identifier";
        }

        if (IsKeyword(name))
        {
            return $"'{name}' is a Python/TorchScript keyword";
        }

        if (ReservedLocals.Contains(name))
        {
            return $"'{name}' is reserved (it names a builtin or the archive environment)";
        }

        if (name.StartsWith("__", StringComparison.Ordinal))
        {
            return $"'{name}' starts with '__' (reserved)";
        }

        return null;
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot be an attribute or method name, or null when it can (an identifier, not a
    /// keyword, not <c>training</c>/<c>__parameters__</c>-style reserved names).
    /// </summary>
    /// <param name="name">The name.</param>
    public static string? MemberNameProblem(string name)
    {
        if (!IsIdentifier(name))
        {
            return $"'{name}' is not a valid identifier";
        }

        if (IsKeyword(name))
        {
            return $"'{name}' is a Python/TorchScript keyword";
        }

        if (name == "training" || name.StartsWith("__", StringComparison.Ordinal))
        {
            return $"'{name}' is reserved";
        }

        return null;
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot be the name of an attribute other than a class constant (a parameter,
    /// buffer, submodule or other attribute), or null when it can: a member
    /// name (<see cref="MemberNameProblem"/>), or digits, as PyTorch names the items of a <c>ModuleList</c> or
    /// <c>Sequential</c> (printed as <c>__annotations__["0"]</c> and read with <c>getattr(m, "0")</c>).
    /// </summary>
    /// <param name="name">The name.</param>
    public static string? AttributeNameProblem(string name) =>
        IsDigits(name) ? null : MemberNameProblem(name);

    /// <summary>Whether <paramref name="name"/> is a non-empty run of ASCII digits (<c>ModuleList</c> item names).</summary>
    /// <param name="name">The name.</param>
    public static bool IsDigits(string? name) => !string.IsNullOrEmpty(name) && name.All(char.IsAsciiDigit);

    /// <summary>
    /// Makes a valid local name out of an arbitrary one (C# identifiers that are Python keywords get a trailing
    /// underscore, invalid characters become underscores). Front ends use it to translate C# names.
    /// </summary>
    /// <param name="name">The wanted name.</param>
    public static string ToLocalName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
        var s = new string(chars);
        if (s.Length == 0 || char.IsAsciiDigit(s[0]))
        {
            s = "v_" + s;
        }

        while (s.StartsWith("__", StringComparison.Ordinal))
        {
            s = s[1..];
        }

        while (LocalNameProblem(s) is not null)
        {
            s += "_";
        }

        return s;
    }
}
