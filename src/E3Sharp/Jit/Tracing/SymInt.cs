using System.ComponentModel;
using System.Globalization;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// A size read from a traced tensor (<c>x.shape[0]</c>, <c>x.size(0)</c>) inside a tracing twin: it carries the
/// value seen while tracing and, when the size depends on a free (batch) dimension of the inputs, the TorchScript
/// expression that computes it (<c>x.size(0)</c>), so sizes passed to <c>reshape</c>, <c>view</c>, <c>expand</c> or
/// <c>torch.zeros</c> stay symbolic. Turning a symbolic size into a C# number or a C# decision reports a warning.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SymInt : IEquatable<SymInt>, IFormattable
{
    internal SymInt(long value, long shadow, Expr? expr)
    {
        Value = value;
        Shadow = shadow;
        Expr = expr;
    }

    /// <summary>The value seen while tracing.</summary>
    public long Value { get; }

    /// <summary>The value the same expression had in the shadow run (inputs with enlarged free dimensions).</summary>
    internal long Shadow { get; }

    /// <summary>The TorchScript expression, or null for a constant.</summary>
    internal Expr? Expr { get; }

    /// <summary>Whether the value depends on a free dimension of the inputs.</summary>
    public bool IsSymbolic => Expr is not null;

    /// <summary>The IR expression: the recorded one, or an int literal.</summary>
    internal Expr ToExpr() => Expr ?? new IntLiteral(Value);

    /// <summary>A constant size.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator SymInt(long value) => new(value, value, null);

    /// <summary>A constant size.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator SymInt(int value) => new(value, value, null);

    /// <summary>The traced value as a C# number (a symbolic size is fixed to its traced value, with a warning).</summary>
    /// <param name="value">The size.</param>
    public static implicit operator long(SymInt value) => value.Concrete("converted to a C# number");

    /// <summary>The traced value as a TorchSharp index (a symbolic size is fixed to its traced value, with a warning),
    /// for <c>x[n, ..]</c>-style indexing. Being convertible to <c>TensorIndex</c> also makes <c>SymInt</c> the better
    /// target for an <c>int</c> or <c>long</c> index, so <c>x[k]</c> picks <c>TraceTensor</c>'s <c>SymInt</c>
    /// indexer over its <c>params TensorIndex[]</c> one, as <c>x[k]</c> picks <c>this[long]</c> on a tensor.</summary>
    /// <param name="value">The size.</param>
    public static implicit operator TorchSharp.torch.TensorIndex(SymInt value) =>
        TorchSharp.torch.TensorIndex.Single(value.Concrete("used as a TensorIndex"));

    /// <summary>The traced value as an <c>int</c> (a symbolic size is fixed to its traced value, with a warning).</summary>
    /// <param name="value">The size.</param>
    public static explicit operator int(SymInt value) => checked((int)value.Concrete("converted to a C# int"));

    /// <summary>The traced value as a <c>double</c> (a symbolic size is fixed to its traced value, with a warning).</summary>
    /// <param name="value">The size.</param>
    public static explicit operator double(SymInt value) => value.Concrete("converted to a C# double");

    internal long Concrete(string what)
    {
        if (Expr is not null)
        {
            TraceSession.WarnCurrent(
                $"the size {Expr} (traced value {Value}) depends on a free input dimension but was {what}; the trace " +
                $"uses the constant {Value} there and may be wrong for other input shapes");
        }

        return Value;
    }

    private static SymInt Binary(SymInt a, SymInt b, BinaryOp op, Func<long, long, long> f)
    {
        var value = f(a.Value, b.Value);
        var shadow = f(a.Shadow, b.Shadow);
        if (a.Expr is null && b.Expr is null)
        {
            return new SymInt(value, value, null);
        }

        return new SymInt(value, shadow, new BinaryExpr(op, a.ToExpr(), b.ToExpr()));
    }

    private static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }

    private static long FloorMod(long a, long b)
    {
        var r = a % b;
        return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
    }

    private static void CheckNonNegative(SymInt a, SymInt b, string op)
    {
        if ((a.Value < 0 || b.Value < 0) && (a.Expr is not null || b.Expr is not null))
        {
            throw new TracingException(
                $"{TraceSession.Where()}: symbolic size arithmetic '{a} {op} {b}' with a negative operand: C# truncates " +
                "toward zero but TorchScript floors, so the trace cannot reproduce it.");
        }
    }

    /// <summary>Sum.</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static SymInt operator +(SymInt a, SymInt b) => Binary(a, b, BinaryOp.Add, (x, y) => x + y);

    /// <summary>Difference.</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static SymInt operator -(SymInt a, SymInt b) => Binary(a, b, BinaryOp.Sub, (x, y) => x - y);

    /// <summary>Product.</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static SymInt operator *(SymInt a, SymInt b) => Binary(a, b, BinaryOp.Mul, (x, y) => x * y);

    /// <summary>Integer division (sizes are non-negative, where C# and TorchScript agree).</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static SymInt operator /(SymInt a, SymInt b)
    {
        CheckNonNegative(a, b, "/");
        return Binary(a, b, BinaryOp.FloorDiv, FloorDiv);
    }

    /// <summary>Remainder (sizes are non-negative, where C# and TorchScript agree).</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static SymInt operator %(SymInt a, SymInt b)
    {
        CheckNonNegative(a, b, "%");
        return Binary(a, b, BinaryOp.Mod, FloorMod);
    }

    /// <summary>Negation.</summary>
    /// <param name="a">The operand.</param>
    public static SymInt operator -(SymInt a) =>
        a.Expr is null ? new SymInt(-a.Value, -a.Value, null) : new SymInt(-a.Value, -a.Shadow, new UnaryExpr(UnaryOp.Neg, a.Expr));

    private static bool Compare(SymInt a, SymInt b, string op, bool result)
    {
        if (a.Expr is not null || b.Expr is not null)
        {
            TraceSession.WarnCurrent(
                $"the comparison {a.ToExpr()} {op} {b.ToExpr()} of a size that depends on a free input dimension " +
                $"decided C# control flow (traced as {(result ? "true" : "false")}); the trace may be wrong for other input shapes");
        }

        return result;
    }

    /// <summary>Equality of the traced values (warns when a symbolic size decides control flow).</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static bool operator ==(SymInt a, SymInt b) => Compare(a, b, "==", a.Value == b.Value);

    /// <summary>Inequality of the traced values (warns when a symbolic size decides control flow).</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static bool operator !=(SymInt a, SymInt b) => Compare(a, b, "!=", a.Value != b.Value);

    /// <summary>Comparison of the traced values (warns when a symbolic size decides control flow).</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static bool operator <(SymInt a, SymInt b) => Compare(a, b, "<", a.Value < b.Value);

    /// <summary>Comparison of the traced values (warns when a symbolic size decides control flow).</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static bool operator >(SymInt a, SymInt b) => Compare(a, b, ">", a.Value > b.Value);

    /// <summary>Comparison of the traced values (warns when a symbolic size decides control flow).</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static bool operator <=(SymInt a, SymInt b) => Compare(a, b, "<=", a.Value <= b.Value);

    /// <summary>Comparison of the traced values (warns when a symbolic size decides control flow).</summary>
    /// <param name="a">Left.</param>
    /// <param name="b">Right.</param>
    public static bool operator >=(SymInt a, SymInt b) => Compare(a, b, ">=", a.Value >= b.Value);

    /// <inheritdoc/>
    public bool Equals(SymInt other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SymInt s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => Value.ToString(format, formatProvider);
}
