using System;
using E3Sharp.Generators.Diagnostics;

namespace E3Sharp.Generators.Scripting;

/// <summary>
/// The value-equatable result of translating one <c>[CompileMode(JitMode.Script)]</c> class: the generated source
/// (null when there is nothing to emit) and the diagnostics.
/// </summary>
internal sealed class ScriptResult : IEquatable<ScriptResult>
{
    public ScriptResult(string hintName, string? source, EquatableArray<DiagInfo> diagnostics)
    {
        HintName = hintName;
        Source = source;
        Diagnostics = diagnostics;
    }

    public string HintName { get; }

    public string? Source { get; }

    public EquatableArray<DiagInfo> Diagnostics { get; }

    public bool Equals(ScriptResult? other) =>
        other is not null && HintName == other.HintName && Source == other.Source && Diagnostics.Equals(other.Diagnostics);

    public override bool Equals(object? obj) => Equals(obj as ScriptResult);

    public override int GetHashCode() => unchecked((HintName.GetHashCode() * 31) + (Source?.GetHashCode() ?? 0));
}
