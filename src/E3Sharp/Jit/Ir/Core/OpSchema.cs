using System;
using System.Collections.Generic;
using System.Linq;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// One overload of an operator, parsed from aten's schema language, e.g.
/// <c>sum.dim_IntList(Tensor self, int[1] dim, bool keepdim=False, *, ScalarType? dtype=None) -&gt; Tensor</c>.
/// Alias annotations (<c>Tensor(a!)</c>) are accepted and ignored; <c>SymInt</c> reads as <c>int</c>.
/// </summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
sealed class OpSchema
{
    private OpSchema(string name, string overload, IReadOnlyList<OpParam> parameters, OpType result, OpVariants variants, string text)
    {
        Name = name;
        Overload = overload;
        Parameters = parameters;
        Result = result;
        Variants = variants;
        Text = text;
    }

    /// <summary>The operator name as written in TorchScript (<c>sum</c>, <c>autograd.grad</c>).</summary>
    public string Name { get; }

    /// <summary>The overload name (<c>dim_IntList</c>), empty for the default overload.</summary>
    public string Overload { get; }

    /// <summary>The parameters.</summary>
    public IReadOnlyList<OpParam> Parameters { get; }

    /// <summary>The result type (a <see cref="OpTypeKind.Tuple"/> for several results, empty for none).</summary>
    public OpType Result { get; }

    /// <summary>How the overload may be called.</summary>
    public OpVariants Variants { get; }

    /// <summary>The schema text.</summary>
    public string Text { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <summary>Parses a schema.</summary>
    /// <param name="schema">The schema text.</param>
    /// <param name="variants">How the overload may be called; <see cref="OpVariants.Method"/> requires a first
    /// parameter named <c>self</c>.</param>
    /// <exception cref="FormatException">The text is not a valid schema.</exception>
    public static OpSchema Parse(string schema, OpVariants variants = OpVariants.Both)
    {
        Guard.NotNull(schema, nameof(schema));
        var p = new Parser(schema);
        var full = p.QualifiedName();
        p.Expect('(');
        var ps = new List<OpParam>();
        var kwOnly = false;
        p.SkipWs();
        if (!p.TryConsume(')'))
        {
            while (true)
            {
                p.SkipWs();
                if (p.TryConsume('*'))
                {
                    kwOnly = true;
                }
                else
                {
                    var type = p.Type();
                    var name = p.Identifier();
                    string? def = null;
                    p.SkipWs();
                    if (p.TryConsume('='))
                    {
                        def = p.DefaultText();
                    }

                    ps.Add(new OpParam(name, type, def, kwOnly));
                }

                p.SkipWs();
                if (p.TryConsume(')'))
                {
                    break;
                }

                p.Expect(',');
            }
        }

        p.SkipWs();
        p.Expect('-');
        p.Expect('>');
        p.SkipWs();
        OpType result;
        if (p.TryConsume('('))
        {
            var items = new List<OpType>();
            p.SkipWs();
            if (!p.TryConsume(')'))
            {
                while (true)
                {
                    items.Add(p.Type());
                    p.SkipWs();
                    if (p.PeekIdentifierStart())
                    {
                        p.Identifier();
                    }

                    p.SkipWs();
                    if (p.TryConsume(')'))
                    {
                        break;
                    }

                    p.Expect(',');
                }
            }

            result = OpType.TupleOf(items);
        }
        else
        {
            result = p.Type();
        }

        p.SkipWs();
        if (!p.AtEnd)
        {
            throw new FormatException($"Operator schema '{schema}': unexpected text at position {p.Position}.");
        }

        var dot = full.LastIndexOf('.');
        string name2 = full, overload = "";
        // "autograd.grad" has a dotted name; overload names follow the last dot only for known single-segment ops.
        if (dot > 0 && !full.StartsWith("autograd.", StringComparison.Ordinal))
        {
            name2 = full.Substring(0, dot);
            overload = full.Substring(dot + 1);
        }

        if ((variants & OpVariants.Method) != 0 && (ps.Count == 0 || ps[0].Name != "self"))
        {
            throw new FormatException($"Operator schema '{schema}': a method variant needs a first parameter named 'self'.");
        }

        return new OpSchema(name2, overload, ps, result, variants, schema);
    }

    private sealed class Parser(string text)
    {
        private int _pos;

        public int Position => _pos;

        public bool AtEnd => _pos >= text.Length;

        public void SkipWs()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        public bool TryConsume(char c)
        {
            SkipWs();
            if (_pos < text.Length && text[_pos] == c)
            {
                _pos++;
                return true;
            }

            return false;
        }

        public void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw new FormatException($"Operator schema '{text}': expected '{c}' at position {_pos}.");
            }
        }

        public bool PeekIdentifierStart()
        {
            SkipWs();
            return _pos < text.Length && (char.IsLetter(text[_pos]) || text[_pos] == '_');
        }

        public string Identifier()
        {
            SkipWs();
            var start = _pos;
            while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] == '_'))
            {
                _pos++;
            }

            if (_pos == start)
            {
                throw new FormatException($"Operator schema '{text}': expected a name at position {_pos}.");
            }

            return text.Substring(start, _pos - start);
        }

        public string QualifiedName()
        {
            var name = Identifier();
            while (_pos < text.Length && text[_pos] == '.')
            {
                _pos++;
                name += "." + Identifier();
            }

            return name;
        }

        public string DefaultText()
        {
            SkipWs();
            var start = _pos;
            var depth = 0;
            while (_pos < text.Length)
            {
                var c = text[_pos];
                if (c is '[' or '(')
                {
                    depth++;
                }
                else if (c is ']' or ')')
                {
                    if (depth == 0)
                    {
                        break;
                    }

                    depth--;
                }
                else if (c == ',' && depth == 0)
                {
                    break;
                }

                _pos++;
            }

            return text.Substring(start, _pos - start).Trim();
        }

        public OpType Type()
        {
            var name = Identifier();

            // Suffixes: alias annotations (Tensor(a!), t[](a)), lists ([], [1]) and optionals (?).
            OpType t = name switch
            {
                "Tensor" => OpType.Base(OpTypeKind.Tensor, "Tensor"),
                "int" or "SymInt" => OpType.Base(OpTypeKind.Int, "int"),
                "float" => OpType.Base(OpTypeKind.Float, "float"),
                "bool" => OpType.Base(OpTypeKind.Bool, "bool"),
                "str" => OpType.Base(OpTypeKind.Str, "str"),
                "Scalar" => OpType.Base(OpTypeKind.Scalar, "Scalar"),
                "ScalarType" => OpType.Base(OpTypeKind.ScalarType, "ScalarType"),
                "Layout" or "Device" or "MemoryFormat" or "Generator" => OpType.Base(OpTypeKind.Opaque, name),
                "t" or "t1" or "t2" => OpType.Base(OpTypeKind.TypeVar, name),
                _ => throw new FormatException($"Operator schema '{text}': unknown type '{name}'."),
            };
            while (_pos < text.Length && text[_pos] is '[' or '?' or '(')
            {
                if (text[_pos] == '(')
                {
                    var close = text.IndexOf(')', _pos);
                    if (close < 0)
                    {
                        throw new FormatException($"Operator schema '{text}': unclosed alias annotation.");
                    }

                    _pos = close + 1;
                }
                else if (text[_pos] == '?')
                {
                    _pos++;
                    t = OpType.OptionalOf(t);
                }
                else
                {
                    _pos++;
                    var start = _pos;
                    while (_pos < text.Length && char.IsDigit(text[_pos]))
                    {
                        _pos++;
                    }

                    int? n = _pos > start ? int.Parse(text.Substring(start, _pos - start), System.Globalization.CultureInfo.InvariantCulture) : null;
                    if (_pos >= text.Length || text[_pos] != ']')
                    {
                        throw new FormatException($"Operator schema '{text}': expected ']' at position {_pos}.");
                    }

                    _pos++;
                    t = OpType.ListOf(t, n);
                }
            }

            return t;
        }
    }
}
