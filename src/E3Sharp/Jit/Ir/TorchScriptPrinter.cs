using System.Globalization;
using System.Text;
using TorchSharp;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// Prints IR as TorchScript source in the dialect LibTorch's archive importer compiles (the "serialization
/// environment": <c>torch</c> is the aten namespace, dtypes are integer codes, submodules are called with
/// <c>self.child.forward(x)</c>, 2-space indentation). The printer does not validate; run
/// <see cref="IrValidator"/> first.
/// </summary>
internal sealed class TorchScriptPrinter
{
    private const string Indent = "  ";
    private readonly Func<torch.Tensor, int>? _constantIndex;
    private ModuleClass? _class;

    /// <summary>Creates a printer.</summary>
    /// <param name="constantIndex">Maps a tensor constant to its index in <c>constants.pkl</c> (printed
    /// <c>CONSTANTS.cN</c>); when null, constants print as <c>CONSTANTS.c?</c> (for messages only).</param>
    public TorchScriptPrinter(Func<torch.Tensor, int>? constantIndex = null) => _constantIndex = constantIndex;

    /// <summary>Prints one expression (tensor constants as <c>CONSTANTS.c?</c>).</summary>
    /// <param name="expr">The expression.</param>
    public static string PrintExpr(Expr expr) => new TorchScriptPrinter().Expression(expr);

    /// <summary>Prints one statement (nested blocks included) without indentation.</summary>
    /// <param name="stmt">The statement.</param>
    public static string PrintStmt(Stmt stmt)
    {
        var sb = new StringBuilder();
        new TorchScriptPrinter().Statement(sb, stmt, 0);
        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>Prints the code file holding <paramref name="classes"/> (all with the same qualifier).</summary>
    /// <param name="classes">The classes of one file, in order.</param>
    public string PrintFile(IEnumerable<ModuleClass> classes)
    {
        var sb = new StringBuilder();
        foreach (var c in classes)
        {
            PrintClass(sb, c);
        }

        return sb.ToString();
    }

    /// <summary>Prints one class definition.</summary>
    /// <param name="moduleClass">The class.</param>
    public string PrintClass(ModuleClass moduleClass)
    {
        var sb = new StringBuilder();
        PrintClass(sb, moduleClass);
        return sb.ToString();
    }

    private void PrintClass(StringBuilder sb, ModuleClass c)
    {
        _class = c;
        sb.Append("class ").Append(c.Name).Append("(Module):\n");
        var parameters = c.Attributes.Where(a => a.Kind == AttributeKind.Parameter).ToList();
        var buffers = c.Attributes.Where(a => a.Kind == AttributeKind.Buffer).ToList();
        sb.Append(Indent).Append("__parameters__ = [").Append(string.Concat(parameters.Select(p => Quote(p.Name) + ", "))).Append("]\n");
        sb.Append(Indent).Append("__buffers__ = [").Append(string.Concat(buffers.Select(p => Quote(p.Name) + ", "))).Append("]\n");
        sb.Append(Indent).Append("training : bool\n");
        foreach (var a in c.Attributes)
        {
            if (Names.IsDigits(a.Name))
            {
                // A ModuleList / Sequential item, declared as PyTorch's printer declares it.
                sb.Append(Indent).Append("__annotations__[").Append(Quote(a.Name)).Append("] = ").Append(a.Type.Name).Append('\n');
                continue;
            }

            sb.Append(Indent).Append(a.Name).Append(" : ");
            if (a.Kind == AttributeKind.Constant)
            {
                sb.Append("Final[").Append(a.Type.Name).Append("] = ").Append(ConstantLiteral(a.ConstantValue)).Append('\n');
            }
            else
            {
                sb.Append(a.Type.Name).Append('\n');
            }
        }

        foreach (var m in c.Methods)
        {
            PrintMethod(sb, m, 1);
        }
    }

    /// <summary>Prints one method (at class indentation).</summary>
    /// <param name="method">The method.</param>
    public string PrintMethod(MethodDef method)
    {
        var sb = new StringBuilder();
        PrintMethod(sb, method, 1);
        return sb.ToString();
    }

    private void PrintMethod(StringBuilder sb, MethodDef m, int level)
    {
        Pad(sb, level).Append("def ").Append(m.Name).Append("(self");
        foreach (var p in m.Parameters)
        {
            sb.Append(", ").Append(p.Name).Append(": ").Append(p.Type.Name);
            if (p.Default is not null)
            {
                sb.Append('=').Append(Expression(p.Default));
            }
        }

        sb.Append(") -> ").Append(m.ReturnType.Kind == TsTypeKind.None ? "None" : m.ReturnType.Name).Append(":\n");
        Block(sb, m.Body, level + 1);
    }

    private void Block(StringBuilder sb, IReadOnlyList<Stmt> body, int level)
    {
        if (body.Count == 0)
        {
            Pad(sb, level).Append("pass\n");
            return;
        }

        foreach (var s in body)
        {
            Statement(sb, s, level);
        }
    }

    private void Statement(StringBuilder sb, Stmt stmt, int level)
    {
        switch (stmt)
        {
            case AssignStmt a:
                Pad(sb, level).Append(string.Join(", ", a.Targets));
                if (a.Annotation is not null)
                {
                    sb.Append(" : ").Append(a.Annotation.Name);
                }

                sb.Append(" = ").Append(Expression(a.Value)).Append('\n');
                break;
            case ExprStmt e:
                Pad(sb, level).Append(Expression(e.Expression)).Append('\n');
                break;
            case SetItemStmt si:
                Pad(sb, level).Append(Expression(si.Target)).Append('[').Append(Expression(si.Index)).Append("] = ")
                    .Append(Expression(si.Value)).Append('\n');
                break;
            case IfStmt i:
                Pad(sb, level).Append("if ").Append(Expression(i.Condition)).Append(":\n");
                Block(sb, i.Then, level + 1);
                if (i.Else.Count > 0)
                {
                    Pad(sb, level).Append("else:\n");
                    Block(sb, i.Else, level + 1);
                }

                break;
            case ForRangeStmt f:
                Pad(sb, level).Append("for ").Append(f.Variable).Append(" in range(");
                if (f.Start is not null || f.Step is not null)
                {
                    sb.Append(f.Start is null ? "0" : Expression(f.Start)).Append(", ");
                }

                sb.Append(Expression(f.End));
                if (f.Step is not null)
                {
                    sb.Append(", ").Append(Expression(f.Step));
                }

                sb.Append("):\n");
                Block(sb, f.Body, level + 1);
                break;
            case ForInStmt f:
                Pad(sb, level).Append("for ").Append(f.Variable).Append(" in ").Append(Expression(f.Iterable)).Append(":\n");
                Block(sb, f.Body, level + 1);
                break;
            case WhileStmt w:
                Pad(sb, level).Append("while ").Append(Expression(w.Condition)).Append(":\n");
                Block(sb, w.Body, level + 1);
                break;
            case BreakStmt:
                Pad(sb, level).Append("break\n");
                break;
            case ContinueStmt:
                Pad(sb, level).Append("continue\n");
                break;
            case ReturnStmt r:
                Pad(sb, level).Append(r.Value is null ? "return" : "return " + Expression(r.Value)).Append('\n');
                break;
            case RaiseStmt r:
                Pad(sb, level).Append("ops.prim.RaiseException(").Append(Expression(r.Message)).Append(")\n");
                break;
            default:
                throw new ArgumentException($"Unknown statement type {stmt.GetType().Name}.", nameof(stmt));
        }
    }

    private static StringBuilder Pad(StringBuilder sb, int level)
    {
        for (var i = 0; i < level; i++)
        {
            sb.Append(Indent);
        }

        return sb;
    }

    // Precedence levels (higher binds tighter), as in Python's grammar.
    private const int PTernary = 1, POr = 2, PAnd = 3, PNot = 4, PCompare = 5, PBitOr = 6, PBitXor = 7, PBitAnd = 8,
        PAdd = 10, PMul = 11, PUnary = 12, PPow = 13, PPrimary = 14;

    /// <summary>Prints an expression.</summary>
    /// <param name="expr">The expression.</param>
    public string Expression(Expr expr) => Expr(expr, out _);

    private string Expr(Expr expr, out int prec)
    {
        prec = PPrimary;
        switch (expr)
        {
            case VarExpr v:
                return v.Name;
            case IntLiteral i:
                if (i.Value < 0)
                {
                    prec = PUnary;
                }

                return IntText(i.Value);
            case FloatLiteral f:
                if (f.Value < 0 || double.IsNegativeInfinity(f.Value) || (f.Value == 0 && double.IsNegative(f.Value)))
                {
                    prec = PUnary;
                }

                return FloatText(f.Value);
            case BoolLiteral b:
                return b.Value ? "True" : "False";
            case StrLiteral s:
                return Quote(s.Value);
            case NoneLiteral:
                return "None";
            case SelfAttrExpr a:
                // Class constants cannot be read through `self` in archive code (LibTorch's importer registers them
                // but does not resolve them as attributes); like PyTorch's printer, inline their values.
                if (ResolveConstant(a) is { } constant)
                {
                    var text = ConstantLiteral(constant.ConstantValue);
                    if (text.StartsWith('-'))
                    {
                        prec = PUnary;
                    }

                    return text;
                }

                return SelfPath(a.Path);
            case TorchCallExpr t:
                return "torch." + t.Op + "(" + Args(t.Args, t.Keywords) + ")";
            case MethodCallExpr m:
                return Operand(m.Receiver, PPrimary) + "." + m.Method + "(" + Args(m.Args, m.Keywords) + ")";
            case BuiltinCallExpr b:
                return b.Function + "(" + Args(b.Args, []) + ")";
            case ModuleCallExpr m:
                return SelfPath(m.Path) + "." + m.Method + "(" + Args(m.Args, []) + ")";
            case SelfMethodCallExpr m:
                return "self." + m.Method + "(" + Args(m.Args, []) + ")";
            case TensorConstantExpr c:
                return "CONSTANTS.c" + (_constantIndex is null ? "?" : _constantIndex(c.Value).ToString(CultureInfo.InvariantCulture));
            case UncheckedCastExpr u:
                return "unchecked_cast(" + u.Type.Name + ", " + Expression(u.Operand) + ")";
            case TupleExpr t:
                return t.Items.Count switch
                {
                    0 => "()",
                    1 => "(" + Expression(t.Items[0]) + ",)",
                    _ => "(" + string.Join(", ", t.Items.Select(Expression)) + ")",
                };
            case ListExpr l:
            {
                var items = "[" + string.Join(", ", l.Items.Select(Expression)) + "]";
                return l.ElementType is null ? items : $"annotate(List[{l.ElementType.Name}], {items})";
            }
            case DictExpr d:
                return $"annotate(Dict[{d.KeyType.Name}, {d.ValueType.Name}], {{" +
                       string.Join(", ", d.Keys.Zip(d.Values, (k, v) => Expression(k) + ": " + Expression(v))) + "})";
            case SubscriptExpr s:
                return Operand(s.Target, PPrimary) + "[" + string.Join(", ", s.Indices.Select(Expression)) + "]";
            case SliceExpr s:
                return (s.Start is null ? "" : Expression(s.Start)) + ":" + (s.Stop is null ? "" : Expression(s.Stop)) +
                       (s.Step is null ? "" : ":" + Expression(s.Step));
            case EllipsisExpr:
                return "...";
            case IsNoneExpr n:
                prec = PCompare;
                return Operand(n.Operand, PCompare + 1) + (n.Negated ? " is not None" : " is None");
            case UnaryExpr u:
                switch (u.Op)
                {
                    case UnaryOp.Not:
                        prec = PNot;
                        return "not " + Operand(u.Operand, PNot);
                    case UnaryOp.Neg:
                        prec = PUnary;
                        return "-" + Operand(u.Operand, PUnary);
                    default:
                        prec = PUnary;
                        return "~" + Operand(u.Operand, PUnary);
                }

            case TernaryExpr t:
                prec = PTernary;
                return Operand(t.IfTrue, PTernary + 1) + " if " + Operand(t.Condition, PTernary + 1) + " else " +
                       Operand(t.IfFalse, PTernary);
            case BinaryExpr b:
            {
                var p = BinaryPrecedence(b.Op);
                prec = p;
                string left, right;
                if (b.Op == BinaryOp.Pow)
                {
                    left = Operand(b.Left, PPow + 1);
                    right = Operand(b.Right, PUnary);
                }
                else if (b.Op.IsComparison())
                {
                    left = Operand(b.Left, PCompare + 1);
                    right = Operand(b.Right, PCompare + 1);
                }
                else
                {
                    left = Operand(b.Left, p);
                    right = Operand(b.Right, p + 1);
                }

                return left + " " + b.Op.Symbol() + " " + right;
            }

            default:
                throw new ArgumentException($"Unknown expression type {expr.GetType().Name}.", nameof(expr));
        }
    }

    // self.a.b, with getattr(x, "0") for the digit-named items of a ModuleList / Sequential.
    private static string SelfPath(IReadOnlyList<string> path)
    {
        var text = "self";
        foreach (var part in path)
        {
            text = Names.IsDigits(part) ? "getattr(" + text + ", " + Quote(part) + ")" : text + "." + part;
        }

        return text;
    }

    private AttributeDecl? ResolveConstant(SelfAttrExpr a)
    {
        var c = _class;
        for (var i = 0; c is not null && i < a.Path.Count; i++)
        {
            var d = c.FindAttribute(a.Path[i]);
            if (d is null)
            {
                return null;
            }

            if (i == a.Path.Count - 1)
            {
                return d.Kind == AttributeKind.Constant ? d : null;
            }

            c = (d.Type as ModuleType)?.Class;
        }

        return null;
    }

    private string Operand(Expr e, int minPrec)
    {
        var text = Expr(e, out var p);
        return p < minPrec ? "(" + text + ")" : text;
    }

    private static int BinaryPrecedence(BinaryOp op) => op switch
    {
        BinaryOp.Or => POr,
        BinaryOp.And => PAnd,
        BinaryOp.BitOr => PBitOr,
        BinaryOp.BitXor => PBitXor,
        BinaryOp.BitAnd => PBitAnd,
        BinaryOp.Add or BinaryOp.Sub => PAdd,
        BinaryOp.Mul or BinaryOp.Div or BinaryOp.FloorDiv or BinaryOp.Mod or BinaryOp.MatMul => PMul,
        BinaryOp.Pow => PPow,
        _ => PCompare,
    };

    private string Args(IReadOnlyList<Expr> args, IReadOnlyList<KeywordArg> keywords)
    {
        var parts = args.Select(Expression).Concat(keywords.Select(k => k.Name + "=" + Expression(k.Value)));
        return string.Join(", ", parts);
    }

    /// <summary>An int literal as TorchScript source.</summary>
    /// <param name="value">The value.</param>
    public static string IntText(long value) =>
        value == long.MinValue ? "(-9223372036854775807 - 1)" : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float literal as TorchScript source (<c>1.</c> style is avoided: <c>1.0</c>, <c>1e-05</c>, <c>inf</c>, <c>nan</c>).</summary>
    /// <param name="value">The value.</param>
    public static string FloatText(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsPositiveInfinity(value))
        {
            return "inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-inf";
        }

        var s = value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        if (!s.Contains('.') && !s.Contains('e'))
        {
            s += ".0";
        }

        return s;
    }

    /// <summary>
    /// A str literal as TorchScript source: double quotes; backslash, quote and control characters escaped (octal
    /// escapes, which TorchScript's lexer supports); other characters, non-ASCII included, written as they are.
    /// </summary>
    /// <param name="value">The string.</param>
    public static string Quote(string value)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '"':
                    sb.Append("\\\"");
                    break;
                default:
                    if (ch < 0x20 || ch == 0x7f)
                    {
                        sb.Append('\\').Append(Convert.ToString(ch, 8).PadLeft(3, '0'));
                    }
                    else
                    {
                        sb.Append(ch);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    private static string ConstantLiteral(object? value) => value switch
    {
        null => "None",
        long l => IntText(l),
        double d => FloatText(d),
        bool b => b ? "True" : "False",
        string s => Quote(s),
        IrTuple t => t.Items.Count == 1
            ? "(" + ConstantLiteral(t.Items[0]) + ",)"
            : "(" + string.Join(", ", t.Items.Select(ConstantLiteral)) + ")",
        _ => throw new ArgumentException($"A class constant cannot hold a {value.GetType().Name}.", nameof(value)),
    };
}
