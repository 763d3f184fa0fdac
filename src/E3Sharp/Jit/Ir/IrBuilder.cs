using System.ComponentModel;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// Short factory methods for expressions, meant for <c>using static E3Sharp.Jit.Ir.IrBuilder;</c> in hand-written
/// and generated code: <c>Torch("einsum", Str("ij,jk-&gt;ik"), List(Var("a"), Self("w")))</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class IrBuilder
{
    /// <summary>A local variable or parameter.</summary>
    /// <param name="name">The name.</param>
    public static VarExpr Var(string name) => new(name);

    /// <summary>An int literal.</summary>
    /// <param name="value">The value.</param>
    public static IntLiteral Int(long value) => new(value);

    /// <summary>A float literal.</summary>
    /// <param name="value">The value.</param>
    public static FloatLiteral Float(double value) => new(value);

    /// <summary>A bool literal.</summary>
    /// <param name="value">The value.</param>
    public static BoolLiteral Bool(bool value) => new(value);

    /// <summary>A str literal.</summary>
    /// <param name="value">The value.</param>
    public static StrLiteral Str(string value) => new(value);

    /// <summary>The <c>None</c> literal.</summary>
    public static NoneLiteral None => NoneLiteral.Instance;

    /// <summary><c>self.a.b</c>; the path may be given as one dotted string (<c>"a.b"</c>) or as parts.</summary>
    /// <param name="path">The attribute path.</param>
    public static SelfAttrExpr Self(params string[] path) =>
        new(path.SelectMany(p => p.Split('.')).ToArray());

    /// <summary><c>torch.op(args...)</c>.</summary>
    /// <param name="op">The op name (see <see cref="OpTable"/>).</param>
    /// <param name="args">Positional arguments.</param>
    public static TorchCallExpr Torch(string op, params Expr[] args) => new(op, args, []);

    /// <summary><c>torch.op(args..., kw=...)</c>.</summary>
    /// <param name="op">The op name.</param>
    /// <param name="args">Positional arguments.</param>
    /// <param name="keywords">Keyword arguments.</param>
    public static TorchCallExpr Torch(string op, Expr[] args, params KeywordArg[] keywords) => new(op, args, keywords);

    /// <summary>A keyword argument <c>name=value</c>.</summary>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">The value.</param>
    public static KeywordArg Kw(string name, Expr value) => new(name, value);

    /// <summary><c>receiver.method(args...)</c>.</summary>
    /// <param name="receiver">The tensor or list.</param>
    /// <param name="method">The method name.</param>
    /// <param name="args">Positional arguments.</param>
    public static MethodCallExpr Method(Expr receiver, string method, params Expr[] args) => new(receiver, method, args, []);

    /// <summary>A builtin call: <c>int(x)</c>, <c>float(x)</c>, <c>bool(x)</c>, <c>len(xs)</c>, <c>min(a, b)</c>, <c>max(a, b)</c>, <c>abs(a)</c>.</summary>
    /// <param name="function">The builtin.</param>
    /// <param name="args">The arguments.</param>
    public static BuiltinCallExpr Builtin(string function, params Expr[] args) => new(function, args);

    /// <summary><c>self.path.method(args)</c>, e.g. <c>ModuleCall("child", "forward", x)</c> or <c>ModuleCall("a.b", "forward", x)</c>.</summary>
    /// <param name="path">The submodule path (dotted).</param>
    /// <param name="method">The method.</param>
    /// <param name="args">The arguments.</param>
    public static ModuleCallExpr ModuleCall(string path, string method, params Expr[] args) => new(path.Split('.'), method, args);

    /// <summary><c>self.path.forward(args)</c>.</summary>
    /// <param name="path">The submodule path (dotted).</param>
    /// <param name="args">The arguments.</param>
    public static ModuleCallExpr Forward(string path, params Expr[] args) => ModuleCall(path, "forward", args);

    /// <summary><c>self.method(args)</c> (another method of the same class).</summary>
    /// <param name="method">The method.</param>
    /// <param name="args">The arguments.</param>
    public static SelfMethodCallExpr SelfCall(string method, params Expr[] args) => new(method, args);

    /// <summary><c>(a, b, ...)</c>.</summary>
    /// <param name="items">The items.</param>
    public static TupleExpr Tuple(params Expr[] items) => new(items);

    /// <summary><c>[a, b, ...]</c> (non-empty).</summary>
    /// <param name="items">The items.</param>
    public static ListExpr List(params Expr[] items) => new(items);

    /// <summary>A typed list literal (may be empty): <c>annotate(List[T], [])</c>.</summary>
    /// <param name="elementType">The element type.</param>
    /// <param name="items">The items.</param>
    public static ListExpr ListOf(TsType elementType, params Expr[] items) => new(items, elementType);

    /// <summary>A <c>Dict[str, V]</c> literal (may be empty): <c>annotate(Dict[str, V], {"k": v, ...})</c>.</summary>
    /// <param name="valueType">The value type.</param>
    /// <param name="items">The entries, in insertion order.</param>
    public static DictExpr DictOf(TsType valueType, params (string Key, Expr Value)[] items) =>
        new(items.Select(i => (Expr)Str(i.Key)).ToArray(), items.Select(i => i.Value).ToArray(), TsType.Str, valueType);

    /// <summary><c>left op right</c>.</summary>
    /// <param name="op">The operator.</param>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    public static BinaryExpr Binary(BinaryOp op, Expr left, Expr right) => new(op, left, right);

    /// <summary><c>a == b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static BinaryExpr Eq(Expr a, Expr b) => new(BinaryOp.Eq, a, b);

    /// <summary><c>a != b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static BinaryExpr Ne(Expr a, Expr b) => new(BinaryOp.Ne, a, b);

    /// <summary><c>a and b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static BinaryExpr And(Expr a, Expr b) => new(BinaryOp.And, a, b);

    /// <summary><c>a or b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static BinaryExpr Or(Expr a, Expr b) => new(BinaryOp.Or, a, b);

    /// <summary><c>not a</c>.</summary>
    /// <param name="a">The operand.</param>
    public static UnaryExpr Not(Expr a) => new(UnaryOp.Not, a);

    /// <summary><c>a @ b</c>.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static BinaryExpr MatMul(Expr a, Expr b) => new(BinaryOp.MatMul, a, b);

    /// <summary><c>a ** b</c>.</summary>
    /// <param name="a">Base.</param>
    /// <param name="b">Exponent.</param>
    public static BinaryExpr Pow(Expr a, Expr b) => new(BinaryOp.Pow, a, b);

    /// <summary><c>ifTrue if condition else ifFalse</c>.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="ifTrue">Value when true.</param>
    /// <param name="ifFalse">Value when false.</param>
    public static TernaryExpr Cond(Expr condition, Expr ifTrue, Expr ifFalse) => new(condition, ifTrue, ifFalse);

    /// <summary><c>target[index]</c>.</summary>
    /// <param name="target">The tuple, list, dict or tensor.</param>
    /// <param name="indices">The indices.</param>
    public static SubscriptExpr Index(Expr target, params Expr[] indices) => new(target, indices);

    /// <summary><c>start:stop:step</c> for tensor subscripts.</summary>
    /// <param name="start">Start or null.</param>
    /// <param name="stop">Stop or null.</param>
    /// <param name="step">Step or null.</param>
    public static SliceExpr Slice(Expr? start = null, Expr? stop = null, Expr? step = null) => new(start, stop, step);

    /// <summary><c>...</c> for tensor subscripts.</summary>
    public static EllipsisExpr Ellipsis { get; } = new();

    /// <summary>A tensor constant stored in <c>constants.pkl</c>.</summary>
    /// <param name="value">The tensor.</param>
    public static TensorConstantExpr Constant(TorchSharp.torch.Tensor value) => new(value);

    /// <summary><c>unchecked_cast(type, value)</c>.</summary>
    /// <param name="type">The target type.</param>
    /// <param name="value">The value.</param>
    public static UncheckedCastExpr Cast(TsType type, Expr value) => new(type, value);
}
