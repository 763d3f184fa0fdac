using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace E3Sharp.Generators.Scripting;

/// <summary>A diagnostic as plain values (no Location/ISymbol/SyntaxNode), so pipeline models stay value-equal.</summary>
internal sealed class DiagInfo : IEquatable<DiagInfo>
{
    public DiagInfo(string id, string message, string path, TextSpan span, LinePositionSpan lineSpan)
    {
        Id = id;
        Message = message;
        Path = path;
        Span = span;
        LineSpan = lineSpan;
    }

    public string Id { get; }

    public string Message { get; }

    public string Path { get; }

    public TextSpan Span { get; }

    public LinePositionSpan LineSpan { get; }

    public static DiagInfo Create(string id, string message, Location location)
    {
        var line = location.GetLineSpan();
        return new DiagInfo(id, message, location.SourceTree?.FilePath ?? "", location.SourceSpan, line.Span);
    }

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(ScriptDiagnostics.ById(Id), Location.Create(Path, Span, LineSpan), Message);

    public bool Equals(DiagInfo? other) =>
        other is not null && Id == other.Id && Message == other.Message && Path == other.Path &&
        Span.Equals(other.Span) && LineSpan.Equals(other.LineSpan);

    public override bool Equals(object? obj) => Equals(obj as DiagInfo);

    public override int GetHashCode() =>
        new[] { Id.GetHashCode(), Message.GetHashCode(), Path.GetHashCode(), Span.GetHashCode() }
            .Aggregate(17, (h, x) => unchecked((h * 31) + x));
}
