using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using E3Sharp.Generators.Diagnostics;

namespace E3Sharp.Generators.Tracing;

/// <summary>What the generator produces for one class: the hint name, the generated source (or null) and the
/// diagnostics to report. Value-equal for incremental caching.</summary>
internal sealed class TwinModel : IEquatable<TwinModel>
{
    public TwinModel(string hintName, string? source, IReadOnlyList<DiagInfo> diagnostics)
    {
        HintName = hintName;
        Source = source;
        Diagnostics = diagnostics;
    }

    public string HintName { get; }

    public string? Source { get; }

    public IReadOnlyList<DiagInfo> Diagnostics { get; }

    public bool Equals(TwinModel? other) =>
        other is not null && HintName == other.HintName && Source == other.Source && Diagnostics.SequenceEqual(other.Diagnostics);

    public override bool Equals(object? obj) => Equals(obj as TwinModel);

    public override int GetHashCode() => HintName.GetHashCode() ^ (Source?.Length ?? 0);
}
