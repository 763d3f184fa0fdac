using System.Globalization;
using System.Text;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;

namespace E3Sharp.Jit.Import;

/// <summary>
/// Reads the method signatures of a class from TorchScript archive source (<c>def forward(self: ..., x: Tensor,
/// w: Optional[Tensor]=None) -&gt; Tensor:</c>, possibly spread over several lines), so that compiled parents can
/// call an imported module's methods with checked types.
/// </summary>
internal static class TorchScriptSignatures
{
    /// <summary>A parsed method signature (null types: a type this IR cannot express).</summary>
    /// <param name="Name">The method name.</param>
    /// <param name="Parameters">The parameters without self, or null when one could not be expressed.</param>
    /// <param name="ReturnType">The return type, or null when it could not be expressed.</param>
    public sealed record Signature(string Name, IReadOnlyList<Param>? Parameters, TsType? ReturnType);

    /// <summary>The signatures of the methods of class <paramref name="className"/> in <paramref name="source"/>.</summary>
    /// <param name="source">The code file.</param>
    /// <param name="className">The class name (last part of the qualified name).</param>
    public static IReadOnlyList<Signature> ReadClass(string source, string className)
    {
        var lines = source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("class " + className + "(", StringComparison.Ordinal) ||
                                                l.StartsWith("class " + className + ":", StringComparison.Ordinal));
        if (start < 0)
        {
            return [];
        }

        var result = new List<Signature>();
        for (var i = start + 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                break; // next top-level statement
            }

            var trimmed = line.TrimStart();
            var indent = line.Length - trimmed.Length;
            if (!trimmed.StartsWith("def ", StringComparison.Ordinal))
            {
                continue;
            }

            // Join the header lines until the bracket depth returns to 0 and the line ends with ':'.
            var header = new StringBuilder(trimmed);
            var depth = Depth(trimmed);
            while ((depth > 0 || !header.ToString().TrimEnd().EndsWith(':')) && i + 1 < lines.Length)
            {
                i++;
                header.Append(' ').Append(lines[i].Trim());
                depth += Depth(lines[i]);
            }

            if (ParseHeader(header.ToString()) is { } sig)
            {
                result.Add(sig);
            }

            // Skip the body.
            while (i + 1 < lines.Length && (lines[i + 1].Trim().Length == 0 || lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent))
            {
                i++;
            }
        }

        return result;
    }

    private static int Depth(string s) => s.Count(c => c is '(' or '[') - s.Count(c => c is ')' or ']');

    private static Signature? ParseHeader(string header)
    {
        // def name(args) -> ret:
        var open = header.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return null;
        }

        var name = header[4..open].Trim();
        var close = MatchingClose(header, open);
        if (close < 0)
        {
            return null;
        }

        var args = SplitTopLevel(header[(open + 1)..close]);
        var rest = header[(close + 1)..].Trim();
        TsType? ret = TsType.None;
        if (rest.StartsWith("->", StringComparison.Ordinal))
        {
            ret = ParseType(rest[2..].TrimEnd(':').Trim());
        }

        var parameters = new List<Param>();
        var ok = true;
        foreach (var (arg, index) in args.Select((a, k) => (a.Trim(), k)))
        {
            if (arg.Length == 0)
            {
                continue;
            }

            var (nameAndType, defaultText) = SplitDefault(arg);
            var colon = nameAndType.IndexOf(':', StringComparison.Ordinal);
            var pname = (colon < 0 ? nameAndType : nameAndType[..colon]).Trim();
            if (index == 0 && pname == "self")
            {
                continue;
            }

            var type = colon < 0 ? TsType.Tensor : ParseType(nameAndType[(colon + 1)..].Trim());
            Expr? def = null;
            if (defaultText is not null)
            {
                def = ParseLiteral(defaultText.Trim());
                ok &= def is not null;
            }

            if (type is null)
            {
                ok = false;
                continue;
            }

            parameters.Add(new Param(pname, type, def));
        }

        return new Signature(name, ok ? parameters : null, ret);
    }

    private static (string Head, string? Default) SplitDefault(string arg)
    {
        var depth = 0;
        for (var i = 0; i < arg.Length; i++)
        {
            var c = arg[i];
            if (c is '(' or '[')
            {
                depth++;
            }
            else if (c is ')' or ']')
            {
                depth--;
            }
            else if (c == '=' && depth == 0)
            {
                return (arg[..i], arg[(i + 1)..]);
            }
        }

        return (arg, null);
    }

    private static int MatchingClose(string s, int open)
    {
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            if (s[i] is '(' or '[')
            {
                depth++;
            }
            else if (s[i] is ')' or ']')
            {
                depth--;
                if (depth == 0)
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static List<string> SplitTopLevel(string s)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is '(' or '[')
            {
                depth++;
            }
            else if (s[i] is ')' or ']')
            {
                depth--;
            }
            else if (s[i] == ',' && depth == 0)
            {
                parts.Add(s[start..i]);
                start = i + 1;
            }
        }

        parts.Add(s[start..]);
        return parts;
    }

    /// <summary>Parses a TorchScript type annotation, or returns null for one the IR cannot express.</summary>
    /// <param name="text">The annotation (<c>Optional[Tensor]</c>, <c>Tuple[Tensor, int]</c>).</param>
    public static TsType? ParseType(string text) => TsTypeParser.TryParse(text.Trim());

    private static Expr? ParseLiteral(string text) => text switch
    {
        "None" => NoneLiteral.Instance,
        "True" => new BoolLiteral(true),
        "False" => new BoolLiteral(false),
        _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => new IntLiteral(l),
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => new FloatLiteral(d),
        _ when text.Length >= 2 && (text[0] is '"' or '\'') && text[^1] == text[0] => new StrLiteral(text[1..^1]),
        _ => null,
    };
}
