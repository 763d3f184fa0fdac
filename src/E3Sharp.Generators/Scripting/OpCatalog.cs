using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

/// <summary>A parameter of an aten overload, as far as the generator needs it.</summary>
internal sealed class OpParamInfo
{
    public OpParamInfo(string name, string type, bool keywordOnly, bool hasDefault)
    {
        Name = name;
        Type = type;
        KeywordOnly = keywordOnly;
        HasDefault = hasDefault;
    }

    public string Name { get; }

    /// <summary>The schema type without alias annotations (<c>Tensor</c>, <c>int[1]</c>, <c>Scalar?</c>).</summary>
    public string Type { get; }

    public bool KeywordOnly { get; }

    public bool HasDefault { get; }
}

/// <summary>An aten overload of the op table (parsed from the same schema list the runtime <c>OpTable</c> uses).</summary>
internal sealed class OpOverload
{
    public OpOverload(string name, string text, IReadOnlyList<OpParamInfo> parameters, bool function, bool method)
    {
        Name = name;
        Text = text;
        Parameters = parameters;
        IsFunction = function;
        IsMethod = method;
    }

    public string Name { get; }

    public string Text { get; }

    public IReadOnlyList<OpParamInfo> Parameters { get; }

    public bool IsFunction { get; }

    public bool IsMethod { get; }
}

/// <summary>
/// The generator's view of the IR's op table. It is built from <c>BuiltinSchemas.cs</c>, the very file the runtime
/// <c>OpTable.Default</c> is built from (linked into the generator), so the two cannot drift apart.
/// </summary>
internal static class OpCatalog
{
    private static readonly Dictionary<string, List<OpOverload>> Ops = Build();

    public static IEnumerable<string> Names => Ops.Keys;

    public static IReadOnlyList<OpOverload> Overloads(string name) =>
        Ops.TryGetValue(name, out var l) ? l : (IReadOnlyList<OpOverload>)Array.Empty<OpOverload>();

    public static bool HasFunction(string name) => Overloads(name).Any(o => o.IsFunction);

    public static bool HasMethod(string name) => Overloads(name).Any(o => o.IsMethod);

    /// <summary>Whether an argument of type <paramref name="arg"/> matches the schema type (as the IR validator does).</summary>
    public static bool Accepts(string type, TsT arg)
    {
        if (type.EndsWith("?", StringComparison.Ordinal))
        {
            var inner = type.Substring(0, type.Length - 1);
            if (arg.Kind == TsKind.None)
            {
                return true;
            }

            return arg.Kind == TsKind.Optional ? Accepts(inner, arg.Element) : Accepts(inner, arg);
        }

        if (type.EndsWith("]", StringComparison.Ordinal))
        {
            var open = type.LastIndexOf('[');
            var element = type.Substring(0, open);
            var size = type.Substring(open + 1, type.Length - open - 2);
            if (size.Length > 0 && IsInt(element) && arg.Kind == TsKind.Int)
            {
                return true;
            }

            return arg.Kind == TsKind.List && AcceptsExactly(element, arg.Element);
        }

        switch (type)
        {
            case "Tensor":
                return arg.Kind == TsKind.Tensor;
            case "int":
            case "SymInt":
            case "ScalarType":
                return arg.Kind == TsKind.Int;
            case "float":
                return arg.Kind == TsKind.Float;
            case "bool":
                return arg.Kind == TsKind.Bool;
            case "str":
                return arg.Kind == TsKind.Str;
            case "Scalar":
                return arg.IsNumber;
            case "t":
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether the schema type is a list of ints (<c>int[]</c>, <c>int[1]</c>, <c>SymInt[]</c>), possibly optional.</summary>
    public static bool IsIntList(string type)
    {
        var t = type.TrimEnd('?');
        return t.EndsWith("]", StringComparison.Ordinal) && IsInt(t.Substring(0, t.LastIndexOf('[')));
    }

    private static bool IsInt(string type) => type is "int" or "SymInt";

    private static bool AcceptsExactly(string type, TsT arg)
    {
        if (type == "Scalar")
        {
            return false;
        }

        if (type.EndsWith("?", StringComparison.Ordinal))
        {
            return arg.Kind == TsKind.Optional && AcceptsExactly(type.Substring(0, type.Length - 1), arg.Element);
        }

        return arg.Kind != TsKind.Optional && Accepts(type, arg);
    }

    private static Dictionary<string, List<OpOverload>> Build()
    {
        var ops = new Dictionary<string, List<OpOverload>>(StringComparer.Ordinal);
        void Add(IEnumerable<string> schemas, bool function, bool method)
        {
            foreach (var s in schemas)
            {
                var o = Parse(s, function, method);
                if (!ops.TryGetValue(o.Name, out var l))
                {
                    ops[o.Name] = l = new List<OpOverload>();
                }

                l.Add(o);
            }
        }

        Add(BuiltinSchemas.Both, true, true);
        Add(BuiltinSchemas.FunctionOnly, true, false);
        Add(BuiltinSchemas.MethodOnly, false, true);
        return ops;
    }

    internal static OpOverload Parse(string schema, bool function, bool method)
    {
        var open = schema.IndexOf('(');
        var qualified = schema.Substring(0, open);
        // "add.Tensor" -> add; namespaced ops keep their namespace ("autograd.grad"), as in the runtime OpSchema.
        var dot = qualified.LastIndexOf('.');
        var name = dot > 0 && !qualified.StartsWith("autograd.", StringComparison.Ordinal) ? qualified.Substring(0, dot) : qualified;
        var close = MatchingParen(schema, open);
        var parameters = new List<OpParamInfo>();
        var keywordOnly = false;
        foreach (var part in SplitTopLevel(schema.Substring(open + 1, close - open - 1)))
        {
            var p = part.Trim();
            if (p.Length == 0)
            {
                continue;
            }

            if (p == "*")
            {
                keywordOnly = true;
                continue;
            }

            var eq = p.IndexOf('=');
            var decl = eq < 0 ? p : p.Substring(0, eq).Trim();
            var space = decl.LastIndexOf(' ');
            var type = StripAnnotations(decl.Substring(0, space).Trim());
            parameters.Add(new OpParamInfo(decl.Substring(space + 1), type, keywordOnly, eq >= 0));
        }

        return new OpOverload(name, schema, parameters, function, method);
    }

    private static int MatchingParen(string s, int open)
    {
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            if (s[i] == '(')
            {
                depth++;
            }
            else if (s[i] == ')' && --depth == 0)
            {
                return i;
            }
        }

        throw new FormatException("Unbalanced schema: " + s);
    }

    private static IEnumerable<string> SplitTopLevel(string s)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            switch (s[i])
            {
                case '(':
                case '[':
                    depth++;
                    break;
                case ')':
                case ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return s.Substring(start, i - start);
                    start = i + 1;
                    break;
            }
        }

        yield return s.Substring(start);
    }

    // "Tensor(a -> *)" -> "Tensor", "t[](a!)" -> "t[]", "Tensor(a)" -> "Tensor"
    private static string StripAnnotations(string type)
    {
        var sb = new StringBuilder();
        var depth = 0;
        foreach (var c in type)
        {
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (depth == 0)
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
