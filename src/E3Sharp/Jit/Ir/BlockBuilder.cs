using System.ComponentModel;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// Collects statements of a block (method body, branch, loop body) fluently. Nested blocks are built by callbacks:
/// <code>
/// b.If(x.IsNone(), t => t.Return(y), e => e.Assign("y", y + x));
/// b.ForRange("i", Var("n"), body => body.AugAssign("acc", BinaryOp.Add, Var("i")));
/// </code>
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public class BlockBuilder
{
    private readonly List<Stmt> _statements = [];

    /// <summary>The statements added so far.</summary>
    internal IReadOnlyList<Stmt> Statements => _statements;

    /// <summary>Adds a statement.</summary>
    /// <param name="statement">The statement.</param>
    /// <returns>This builder.</returns>
    internal BlockBuilder Add(Stmt statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        _statements.Add(statement);
        return this;
    }

    /// <summary><c>name = value</c>.</summary>
    /// <param name="name">The local variable.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder Assign(string name, Expr value) => Add(new AssignStmt(name, value));

    /// <summary><c>a, b, ... = value</c> (tuple unpacking).</summary>
    /// <param name="names">The local variables.</param>
    /// <param name="value">A tuple-typed value with as many items.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder Unpack(IReadOnlyList<string> names, Expr value) => Add(new AssignStmt(names, value));

    /// <summary><c>name : type = value</c>.</summary>
    /// <param name="name">The local variable.</param>
    /// <param name="type">The declared type.</param>
    /// <param name="value">The initial value.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder Declare(string name, TsType type, Expr value) => Add(new AssignStmt(name, value, type));

    /// <summary><c>name = name op value</c> (C# <c>name op= value</c>; never in-place on tensors).</summary>
    /// <param name="name">The local variable.</param>
    /// <param name="op">The operator.</param>
    /// <param name="value">The right operand.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder AugAssign(string name, BinaryOp op, Expr value) =>
        Add(new AssignStmt(name, new BinaryExpr(op, new VarExpr(name), value)));

    /// <summary>An expression statement, e.g. <c>xs.append(y)</c>.</summary>
    /// <param name="expression">The expression.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder Do(Expr expression) => Add(new ExprStmt(expression));

    /// <summary>Appends <c>target[index] = value</c> (a list or dict item, see <see cref="SetItemStmt"/>).</summary>
    /// <param name="target">The list or dict variable.</param>
    /// <param name="index">The index or key.</param>
    /// <param name="value">The new item.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder SetItem(Expr target, Expr index, Expr value) => Add(new SetItemStmt(target, index, value));

    /// <summary><c>if condition: ... else: ...</c>.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="then">Builds the then-branch.</param>
    /// <param name="orElse">Builds the else-branch (optional).</param>
    /// <returns>This builder.</returns>
    public BlockBuilder If(Expr condition, Action<BlockBuilder> then, Action<BlockBuilder>? orElse = null) =>
        Add(new IfStmt(condition, Build(then), orElse is null ? [] : Build(orElse)));

    /// <summary><c>for variable in range(end): ...</c>.</summary>
    /// <param name="variable">The loop variable.</param>
    /// <param name="end">The exclusive end.</param>
    /// <param name="body">Builds the body.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder ForRange(string variable, Expr end, Action<BlockBuilder> body) =>
        Add(new ForRangeStmt(variable, null, end, null, Build(body)));

    /// <summary><c>for variable in range(start, end, step): ...</c>.</summary>
    /// <param name="variable">The loop variable.</param>
    /// <param name="start">The start.</param>
    /// <param name="end">The exclusive end.</param>
    /// <param name="step">The step (null = 1).</param>
    /// <param name="body">Builds the body.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder ForRange(string variable, Expr start, Expr end, Expr? step, Action<BlockBuilder> body) =>
        Add(new ForRangeStmt(variable, start, end, step, Build(body)));

    /// <summary><c>for variable in iterable: ...</c> (tensor rows or list items).</summary>
    /// <param name="variable">The loop variable.</param>
    /// <param name="iterable">The tensor or list.</param>
    /// <param name="body">Builds the body.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder ForIn(string variable, Expr iterable, Action<BlockBuilder> body) =>
        Add(new ForInStmt(variable, iterable, Build(body)));

    /// <summary><c>while condition: ...</c>.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="body">Builds the body.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder While(Expr condition, Action<BlockBuilder> body) => Add(new WhileStmt(condition, Build(body)));

    /// <summary><c>break</c>.</summary>
    /// <returns>This builder.</returns>
    public BlockBuilder Break() => Add(new BreakStmt());

    /// <summary><c>continue</c>.</summary>
    /// <returns>This builder.</returns>
    public BlockBuilder Continue() => Add(new ContinueStmt());

    /// <summary><c>return value</c>.</summary>
    /// <param name="value">The value (null for a bare <c>return</c>).</param>
    /// <returns>This builder.</returns>
    public BlockBuilder Return(Expr? value) => Add(new ReturnStmt(value));

    /// <summary><c>return (a, b, ...)</c>.</summary>
    /// <param name="values">The tuple items.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder ReturnTuple(params Expr[] values) => Add(new ReturnStmt(new TupleExpr(values)));

    /// <summary>Raises a RuntimeError with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder Raise(string message) => Add(new RaiseStmt(message));

    /// <summary>Raises a RuntimeError with a message computed when raising (a <c>str</c> expression such as
    /// <c>Str("got ") + Builtin("str", n)</c>).</summary>
    /// <param name="message">The message expression.</param>
    /// <returns>This builder.</returns>
    public BlockBuilder Raise(Expr message) => Add(new RaiseStmt(message));

    /// <summary>Runs <paramref name="build"/> on a fresh builder and returns its statements.</summary>
    /// <param name="build">The callback.</param>
    internal static IReadOnlyList<Stmt> Build(Action<BlockBuilder> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var b = new BlockBuilder();
        build(b);
        return b.Statements;
    }
}
