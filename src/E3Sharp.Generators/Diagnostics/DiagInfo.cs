using System;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace E3Sharp.Generators.Diagnostics;

/// <summary>
/// A diagnostic as plain values: the id, the format arguments of its descriptor and where it is. Pipeline models hold
/// these rather than <see cref="Diagnostic"/>s, whose <see cref="Location"/> keeps a syntax tree (and so a whole
/// compilation) alive and never compares equal across compilations.
/// </summary>
internal sealed class DiagInfo : IEquatable<DiagInfo>
{
    public DiagInfo(string id, EquatableArray<string> args, string path, TextSpan span, LinePositionSpan lineSpan)
    {
        Id = id;
        Args = args;
        Path = path;
        Span = span;
        LineSpan = lineSpan;
    }

    public string Id { get; }

    public EquatableArray<string> Args { get; }

    public string Path { get; }

    public TextSpan Span { get; }

    public LinePositionSpan LineSpan { get; }

    public static DiagInfo Create(string id, Location location, params string[] args)
    {
        var line = location.GetLineSpan();
        return new DiagInfo(id, new EquatableArray<string>(args), location.SourceTree?.FilePath ?? "", location.SourceSpan, line.Span);
    }

    public static DiagInfo Create(string id, SyntaxNode node, params string[] args) => Create(id, node.GetLocation(), args);

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptors.ById(Id), Location.Create(Path, Span, LineSpan), Args.ToArray());

    /// <summary>The message as the compiler prints it.</summary>
    public string Message =>
        string.Format(CultureInfo.InvariantCulture, Descriptors.ById(Id).MessageFormat.ToString(CultureInfo.InvariantCulture), Args.ToArray());

    /// <summary>The message with its location, as the runtime registry records it for modules traced later.</summary>
    public string Describe() =>
        $"{System.IO.Path.GetFileName(Path)}({LineSpan.Start.Line + 1},{LineSpan.Start.Character + 1}): {Id}: {Message}";

    public bool Equals(DiagInfo? other) =>
        other is not null && Id == other.Id && Path == other.Path && Span.Equals(other.Span) &&
        LineSpan.Equals(other.LineSpan) && Args.Equals(other.Args);

    public override bool Equals(object? obj) => Equals(obj as DiagInfo);

    public override int GetHashCode() => unchecked((((Id.GetHashCode() * 31) + Path.GetHashCode()) * 31) + Span.GetHashCode());
}
