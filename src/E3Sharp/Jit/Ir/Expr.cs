using System.ComponentModel;
using TorchSharp;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// An expression. Types are not stored in the nodes; <see cref="IrValidator"/> infers them. C# operators build
/// operator nodes (<c>a + b</c>, <c>a * 2.0</c>, <c>-a</c>, <c>a &lt; b</c>) and numbers/bools convert implicitly to
/// literals; <see cref="ToString"/> prints the TorchScript source of the expression.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract record Expr
{
    /// <summary>The TorchScript source of this expression.</summary>
    public sealed override string ToString() => TorchScriptPrinter.PrintExpr(this);

    /// <summary>An int literal.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator Expr(long value) => new IntLiteral(value);

    /// <summary>An int literal.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator Expr(int value) => new IntLiteral(value);

    /// <summary>A float literal.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator Expr(double value) => new FloatLiteral(value);

    /// <summary>A bool literal.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator Expr(bool value) => new BoolLiteral(value);

    /// <summary><c>a + b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator +(Expr a, Expr b) => new BinaryExpr(BinaryOp.Add, a, b);

    /// <summary><c>a - b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator -(Expr a, Expr b) => new BinaryExpr(BinaryOp.Sub, a, b);

    /// <summary><c>a * b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator *(Expr a, Expr b) => new BinaryExpr(BinaryOp.Mul, a, b);

    /// <summary><c>a / b</c> (true division).</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator /(Expr a, Expr b) => new BinaryExpr(BinaryOp.Div, a, b);

    /// <summary><c>a % b</c> (Python modulo).</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator %(Expr a, Expr b) => new BinaryExpr(BinaryOp.Mod, a, b);

    /// <summary><c>-a</c>.</summary>
    /// <param name="a">The operand.</param>
    public static Expr operator -(Expr a) => new UnaryExpr(UnaryOp.Neg, a);

    /// <summary><c>a &lt; b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator <(Expr a, Expr b) => new BinaryExpr(BinaryOp.Lt, a, b);

    /// <summary><c>a &gt; b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator >(Expr a, Expr b) => new BinaryExpr(BinaryOp.Gt, a, b);

    /// <summary><c>a &lt;= b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator <=(Expr a, Expr b) => new BinaryExpr(BinaryOp.Le, a, b);

    /// <summary><c>a &gt;= b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator >=(Expr a, Expr b) => new BinaryExpr(BinaryOp.Ge, a, b);

    /// <summary><c>this[index...]</c>: tuple item (constant int index), list item, dict value or tensor indexing.</summary>
    /// <param name="indices">The indices (for tensors also <see cref="SliceExpr"/>, <see cref="EllipsisExpr"/>, None).</param>
    public Expr this[params Expr[] indices] => new SubscriptExpr(this, indices);

    /// <summary><c>this.method(args)</c>: a tensor method (<c>x.relu()</c>) or a list method (<c>xs.append(y)</c>).</summary>
    /// <param name="method">The method name (an op-table name).</param>
    /// <param name="args">Positional arguments.</param>
    public MethodCallExpr Call(string method, params Expr[] args) => new(this, method, args, []);

    /// <summary><c>this.method(args, kw=...)</c>.</summary>
    /// <param name="method">The method name.</param>
    /// <param name="args">Positional arguments.</param>
    /// <param name="keywords">Keyword arguments.</param>
    public MethodCallExpr Call(string method, Expr[] args, params KeywordArg[] keywords) => new(this, method, args, keywords);

    /// <summary><c>this is None</c>.</summary>
    public IsNoneExpr IsNone() => new(this, false);

    /// <summary><c>this is not None</c>.</summary>
    public IsNoneExpr IsNotNone() => new(this, true);
}

/// <summary>A keyword argument <c>name=value</c> of a call.</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Value">The value.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record KeywordArg(string Name, Expr Value);

/// <summary>A local variable or method parameter.</summary>
/// <param name="Name">The name.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record VarExpr(string Name) : Expr;

/// <summary>An int literal.</summary>
/// <param name="Value">The value.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record IntLiteral(long Value) : Expr;

/// <summary>A float literal (inf and nan allowed).</summary>
/// <param name="Value">The value.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record FloatLiteral(double Value) : Expr;

/// <summary>A bool literal.</summary>
/// <param name="Value">The value.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record BoolLiteral(bool Value) : Expr;

/// <summary>A str literal.</summary>
/// <param name="Value">The value.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record StrLiteral(string Value) : Expr;

/// <summary>The <c>None</c> literal.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record NoneLiteral : Expr
{
    /// <summary>The shared instance.</summary>
    public static NoneLiteral Instance { get; } = new();
}

/// <summary><c>self.a.b</c>: an attribute of the module (or of a submodule, through the path).</summary>
/// <param name="Path">The attribute path, e.g. <c>["child", "weight"]</c>.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record SelfAttrExpr(IReadOnlyList<string> Path) : Expr;

/// <summary><c>torch.op(args, kw=...)</c>: a free aten operator from the op table.</summary>
/// <param name="Op">The op name as in <see cref="OpTable"/> (<c>einsum</c>, <c>autograd.grad</c>, ...).</param>
/// <param name="Args">Positional arguments.</param>
/// <param name="Keywords">Keyword arguments.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TorchCallExpr(string Op, IReadOnlyList<Expr> Args, IReadOnlyList<KeywordArg> Keywords) : Expr;

/// <summary><c>receiver.method(args, kw=...)</c>: a tensor method (an aten op with the receiver as <c>self</c>) or a list method.</summary>
/// <param name="Receiver">The receiver.</param>
/// <param name="Method">The method name.</param>
/// <param name="Args">Positional arguments.</param>
/// <param name="Keywords">Keyword arguments.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record MethodCallExpr(Expr Receiver, string Method, IReadOnlyList<Expr> Args, IReadOnlyList<KeywordArg> Keywords) : Expr;

/// <summary>A Python builtin: <c>int(x)</c>, <c>float(x)</c>, <c>bool(x)</c> (also of one-element tensors), <c>len(xs)</c>, <c>min(a, b)</c>, <c>max(a, b)</c>, <c>abs(a)</c>.</summary>
/// <param name="Function">The builtin's name.</param>
/// <param name="Args">The arguments.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record BuiltinCallExpr(string Function, IReadOnlyList<Expr> Args) : Expr;

/// <summary><c>left op right</c>.</summary>
/// <param name="Op">The operator.</param>
/// <param name="Left">Left operand.</param>
/// <param name="Right">Right operand.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right) : Expr;

/// <summary><c>op operand</c>.</summary>
/// <param name="Op">The operator.</param>
/// <param name="Operand">The operand.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record UnaryExpr(UnaryOp Op, Expr Operand) : Expr;

/// <summary><c>ifTrue if condition else ifFalse</c>.</summary>
/// <param name="Condition">The condition (bool or Tensor).</param>
/// <param name="IfTrue">The value when true.</param>
/// <param name="IfFalse">The value when false.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TernaryExpr(Expr Condition, Expr IfTrue, Expr IfFalse) : Expr;

/// <summary><c>(a, b, ...)</c>.</summary>
/// <param name="Items">The items.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TupleExpr(IReadOnlyList<Expr> Items) : Expr;

/// <summary><c>[a, b, ...]</c>. An empty list needs <paramref name="ElementType"/> (printed <c>annotate(List[T], [])</c>).</summary>
/// <param name="Items">The items.</param>
/// <param name="ElementType">The element type; required when the list is empty, optional otherwise.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record ListExpr(IReadOnlyList<Expr> Items, TsType? ElementType = null) : Expr;

/// <summary>
/// A dict literal <c>{k1: v1, k2: v2}</c>, printed <c>annotate(Dict[K, V], {...})</c> so that its type is explicit
/// (also when it is empty). Every key must be a <paramref name="KeyType"/> and every value a
/// <paramref name="ValueType"/>.
/// </summary>
/// <param name="Keys">The keys, in insertion order.</param>
/// <param name="Values">The values (as many as keys).</param>
/// <param name="KeyType">The key type (str, int, float, bool or Tensor).</param>
/// <param name="ValueType">The value type.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record DictExpr(IReadOnlyList<Expr> Keys, IReadOnlyList<Expr> Values, TsType KeyType, TsType ValueType) : Expr;

/// <summary>
/// <c>target[i]</c> / <c>target[i, j:k, ...]</c>: tuple item (the index must be an int literal), list item, dict
/// value, or tensor indexing (ints, slices, <c>...</c>, None, index tensors).
/// </summary>
/// <param name="Target">The indexed value.</param>
/// <param name="Indices">The indices (one for tuples, lists and dicts).</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record SubscriptExpr(Expr Target, IReadOnlyList<Expr> Indices) : Expr;

/// <summary><c>start:stop:step</c> inside a tensor subscript (each part optional).</summary>
/// <param name="Start">The start, or null.</param>
/// <param name="Stop">The stop, or null.</param>
/// <param name="Step">The step, or null.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record SliceExpr(Expr? Start = null, Expr? Stop = null, Expr? Step = null) : Expr;

/// <summary><c>...</c> inside a tensor subscript.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record EllipsisExpr : Expr;

/// <summary><c>operand is None</c> or <c>operand is not None</c>. On a local variable it refines an Optional type
/// inside the branches of an <c>if</c>.</summary>
/// <param name="Operand">The tested value.</param>
/// <param name="Negated">True for <c>is not None</c>.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record IsNoneExpr(Expr Operand, bool Negated) : Expr;

/// <summary><c>self.a.b.method(args)</c>: a call of a submodule's method (typically <c>forward</c>).</summary>
/// <param name="Path">The submodule path (non-empty).</param>
/// <param name="Method">The method name.</param>
/// <param name="Args">The arguments.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record ModuleCallExpr(IReadOnlyList<string> Path, string Method, IReadOnlyList<Expr> Args) : Expr;

/// <summary><c>self.method(args)</c>: a call of another method of the same class.</summary>
/// <param name="Method">The method name.</param>
/// <param name="Args">The arguments.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record SelfMethodCallExpr(string Method, IReadOnlyList<Expr> Args) : Expr;

/// <summary>
/// A constant tensor stored in the archive's <c>constants.pkl</c> (printed <c>CONSTANTS.c0</c>). Two nodes holding
/// the same tensor object share one constant.
/// </summary>
/// <param name="Value">The tensor (kept by reference; do not dispose it before the archive is written).</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TensorConstantExpr(torch.Tensor Value) : Expr;

/// <summary>
/// <c>unchecked_cast(T, operand)</c>: use an <c>Optional[T]</c> value as a <c>T</c> (e.g. an item of
/// <c>torch.autograd.grad</c>'s <c>List[Optional[Tensor]]</c>). Nothing is checked at run time.
/// </summary>
/// <param name="Type">The target type.</param>
/// <param name="Operand">The value (its type must be <c>Optional[Type]</c> or Type).</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record UncheckedCastExpr(TsType Type, Expr Operand) : Expr;
