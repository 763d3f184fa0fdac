using System.ComponentModel;

namespace E3Sharp.Jit.Ir;

/// <summary>Binary operators (printed as the Python operator).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum BinaryOp
{
    /// <summary><c>a + b</c>.</summary>
    Add,
    /// <summary><c>a - b</c>.</summary>
    Sub,
    /// <summary><c>a * b</c>.</summary>
    Mul,
    /// <summary><c>a / b</c> (true division: int / int is float).</summary>
    Div,
    /// <summary><c>a // b</c> (floor division).</summary>
    FloorDiv,
    /// <summary><c>a % b</c> (Python modulo: sign of the divisor).</summary>
    Mod,
    /// <summary><c>a ** b</c> (int ** int is float in TorchScript).</summary>
    Pow,
    /// <summary><c>a @ b</c> (tensors only).</summary>
    MatMul,
    /// <summary><c>a &amp; b</c> (int, bool or tensor).</summary>
    BitAnd,
    /// <summary><c>a | b</c> (int, bool or tensor).</summary>
    BitOr,
    /// <summary><c>a ^ b</c> (int, bool or tensor).</summary>
    BitXor,
    /// <summary><c>a == b</c>.</summary>
    Eq,
    /// <summary><c>a != b</c>.</summary>
    Ne,
    /// <summary><c>a &lt; b</c>.</summary>
    Lt,
    /// <summary><c>a &lt;= b</c>.</summary>
    Le,
    /// <summary><c>a &gt; b</c>.</summary>
    Gt,
    /// <summary><c>a &gt;= b</c>.</summary>
    Ge,
    /// <summary><c>a and b</c> (bool operands, short-circuit).</summary>
    And,
    /// <summary><c>a or b</c> (bool operands, short-circuit).</summary>
    Or,
}

/// <summary>Unary operators.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum UnaryOp
{
    /// <summary><c>-a</c>.</summary>
    Neg,
    /// <summary><c>not a</c> (bool).</summary>
    Not,
    /// <summary><c>~a</c> (int, bool tensor).</summary>
    BitNot,
}

/// <summary>Helpers on <see cref="BinaryOp"/>.</summary>
internal static class BinaryOpExtensions
{
    /// <summary>The Python spelling of the operator.</summary>
    /// <param name="op">The operator.</param>
    public static string Symbol(this BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Sub => "-",
        BinaryOp.Mul => "*",
        BinaryOp.Div => "/",
        BinaryOp.FloorDiv => "//",
        BinaryOp.Mod => "%",
        BinaryOp.Pow => "**",
        BinaryOp.MatMul => "@",
        BinaryOp.BitAnd => "&",
        BinaryOp.BitOr => "|",
        BinaryOp.BitXor => "^",
        BinaryOp.Eq => "==",
        BinaryOp.Ne => "!=",
        BinaryOp.Lt => "<",
        BinaryOp.Le => "<=",
        BinaryOp.Gt => ">",
        BinaryOp.Ge => ">=",
        BinaryOp.And => "and",
        BinaryOp.Or => "or",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    /// <summary>Whether the operator is a comparison (<c>== != &lt; &lt;= &gt; &gt;=</c>).</summary>
    /// <param name="op">The operator.</param>
    public static bool IsComparison(this BinaryOp op) => op is BinaryOp.Eq or BinaryOp.Ne or BinaryOp.Lt or BinaryOp.Le or BinaryOp.Gt or BinaryOp.Ge;
}
