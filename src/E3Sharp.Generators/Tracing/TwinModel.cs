using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace E3Sharp.Generators.Tracing;

/// <summary>A diagnostic as plain values (no Location, symbol or syntax), so pipeline results compare by value.</summary>
internal sealed class DiagInfo : IEquatable<DiagInfo>
{
    public DiagInfo(string id, string[] args, string path, TextSpan span, LinePositionSpan lines)
    {
        Id = id;
        Args = args;
        Path = path;
        Span = span;
        Lines = lines;
    }

    public string Id { get; }

    public string[] Args { get; }

    public string Path { get; }

    public TextSpan Span { get; }

    public LinePositionSpan Lines { get; }

    public static DiagInfo Create(string id, SyntaxNode node, params string[] args)
    {
        var loc = node.GetLocation();
        return new DiagInfo(id, args, node.SyntaxTree.FilePath, loc.SourceSpan, loc.GetLineSpan().Span);
    }

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(TwinDiagnostics.ById(Id), Location.Create(Path, Span, Lines), Args);

    /// <summary>The message with its location, for the runtime registry.</summary>
    public string Describe() =>
        $"{System.IO.Path.GetFileName(Path)}({Lines.Start.Line + 1},{Lines.Start.Character + 1}): {Id}: " +
        string.Format(System.Globalization.CultureInfo.InvariantCulture, TwinDiagnostics.ById(Id).MessageFormat.ToString(), Args);

    public bool Equals(DiagInfo? other) =>
        other is not null && Id == other.Id && Path == other.Path && Span == other.Span && Lines == other.Lines &&
        Args.SequenceEqual(other.Args);

    public override bool Equals(object? obj) => Equals(obj as DiagInfo);

    public override int GetHashCode() => (Id.GetHashCode() * 397) ^ Span.GetHashCode();
}

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
