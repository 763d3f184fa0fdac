using E3Sharp.Jit.Ir;

namespace E3Sharp.Jit.Serialization;

/// <summary>Parses TorchScript type annotations (<c>List[Optional[Tensor]]</c>) into <see cref="TsType"/>s.</summary>
public static class TsTypeParser
{
    /// <summary>
    /// Parses a type built from Tensor, int, float, bool, str, NoneType/None, List, Optional, Tuple and Dict;
    /// null for anything else (module types, Any, ...).
    /// </summary>
    /// <param name="text">The annotation.</param>
    public static TsType? TryParse(string text)
    {
        var pos = 0;
        try
        {
            var t = Parse(text.Replace(" ", "", StringComparison.Ordinal), ref pos);
            return pos == text.Replace(" ", "", StringComparison.Ordinal).Length ? t : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static TsType? Parse(string s, ref int pos)
    {
        var start = pos;
        while (pos < s.Length && (char.IsLetterOrDigit(s[pos]) || s[pos] is '_' or '.'))
        {
            pos++;
        }

        var name = s[start..pos];
        var args = new List<TsType?>();
        if (pos < s.Length && s[pos] == '[')
        {
            pos++;
            if (pos < s.Length && s[pos] == '(')
            {
                // Tuple[()]
                pos += 2;
            }
            else
            {
                while (true)
                {
                    args.Add(Parse(s, ref pos));
                    if (pos >= s.Length)
                    {
                        throw new FormatException();
                    }

                    if (s[pos] == ',')
                    {
                        pos++;
                        continue;
                    }

                    break;
                }
            }

            if (pos >= s.Length || s[pos] != ']')
            {
                throw new FormatException();
            }

            pos++;
        }

        if (args.Any(a => a is null))
        {
            return null;
        }

        return (name, args.Count) switch
        {
            ("Tensor", 0) => TsType.Tensor,
            ("int", 0) => TsType.Int,
            ("float", 0) => TsType.Float,
            ("bool", 0) => TsType.Bool,
            ("str", 0) => TsType.Str,
            ("NoneType" or "None", 0) => TsType.None,
            ("List", 1) => TsType.List(args[0]!),
            ("Optional", 1) => args[0]!.Kind == TsTypeKind.None ? null : TsType.Optional(args[0]!),
            ("Tuple", _) => TsType.Tuple(args.Select(a => a!)),
            ("Dict", 2) => Dict(args[0]!, args[1]!),
            _ => null,
        };
    }

    private static TsType? Dict(TsType key, TsType value)
    {
        try
        {
            return TsType.Dict(key, value);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
