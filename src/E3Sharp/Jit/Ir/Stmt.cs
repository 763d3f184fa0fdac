namespace E3Sharp.Jit.Ir;

/// <summary>A statement of a method body.</summary>
internal abstract record Stmt;

/// <summary>
/// <c>target = value</c>, <c>a, b = value</c> (tuple unpacking) or, with an annotation,
/// <c>target : T = value</c> (declares the variable with type <c>T</c>; needed e.g. for
/// <c>xs : List[Tensor] = []</c> or an Optional local that starts as None).
/// </summary>
/// <param name="Targets">The local variable names (one, or several for tuple unpacking).</param>
/// <param name="Value">The value.</param>
/// <param name="Annotation">The declared type (single target only), or null.</param>
internal sealed record AssignStmt(IReadOnlyList<string> Targets, Expr Value, TsType? Annotation = null) : Stmt
{
    /// <summary>Creates <c>target = value</c> or <c>target : annotation = value</c>.</summary>
    /// <param name="target">The local variable name.</param>
    /// <param name="value">The value.</param>
    /// <param name="annotation">The declared type, or null.</param>
    public AssignStmt(string target, Expr value, TsType? annotation = null)
        : this([target], value, annotation)
    {
    }
}

/// <summary>An expression evaluated for its effect, e.g. <c>xs.append(y)</c>.</summary>
/// <param name="Expression">The expression.</param>
internal sealed record ExprStmt(Expr Expression) : Stmt;

/// <summary><c>if condition: then else: orElse</c>. The condition is bool, or a Tensor (converted like <c>bool(t)</c>).</summary>
/// <param name="Condition">The condition.</param>
/// <param name="Then">The statements run when true.</param>
/// <param name="Else">The statements run when false (may be empty).</param>
internal sealed record IfStmt(Expr Condition, IReadOnlyList<Stmt> Then, IReadOnlyList<Stmt> Else) : Stmt;

/// <summary><c>for variable in range(start, end, step): body</c> (ints).</summary>
/// <param name="Variable">The loop variable (int, visible only in the body).</param>
/// <param name="Start">The start (null = 0).</param>
/// <param name="End">The exclusive end.</param>
/// <param name="Step">The step (null = 1).</param>
/// <param name="Body">The body.</param>
internal sealed record ForRangeStmt(string Variable, Expr? Start, Expr End, Expr? Step, IReadOnlyList<Stmt> Body) : Stmt;

/// <summary>
/// <c>for variable in iterable: body</c> over a Tensor (rows along dim 0, each a Tensor) or a List[T]
/// (items of type T).
/// </summary>
/// <param name="Variable">The loop variable (visible only in the body).</param>
/// <param name="Iterable">The tensor or list.</param>
/// <param name="Body">The body.</param>
internal sealed record ForInStmt(string Variable, Expr Iterable, IReadOnlyList<Stmt> Body) : Stmt;

/// <summary><c>while condition: body</c>.</summary>
/// <param name="Condition">The condition (bool or Tensor).</param>
/// <param name="Body">The body.</param>
internal sealed record WhileStmt(Expr Condition, IReadOnlyList<Stmt> Body) : Stmt;

/// <summary><c>break</c> (inside a loop).</summary>
internal sealed record BreakStmt : Stmt;

/// <summary><c>continue</c> (inside a loop).</summary>
internal sealed record ContinueStmt : Stmt;

/// <summary>Item assignment <c>target[index] = value</c> into a list (int index, from the end when negative) or a dict
/// (a key of its key type; adds or replaces). The list or dict is changed in place, as in Python.</summary>
/// <param name="Target">The list or dict: a variable.</param>
/// <param name="Index">The index or key.</param>
/// <param name="Value">The new item.</param>
internal sealed record SetItemStmt(Expr Target, Expr Index, Expr Value) : Stmt;

/// <summary><c>return value</c> (<c>return</c> alone when <paramref name="Value"/> is null; the method must return None then).</summary>
/// <param name="Value">The returned value, or null.</param>
internal sealed record ReturnStmt(Expr? Value) : Stmt;

/// <summary><c>raise</c> an exception with a message (a RuntimeError when run; printed as <c>ops.prim.RaiseException</c>).</summary>
/// <param name="Message">The message: a <c>str</c> expression, a constant (<see cref="StrLiteral"/>) or one computed when
/// raising (<c>"got " + str(x.size(-1))</c>).</param>
internal sealed record RaiseStmt(Expr Message) : Stmt
{
    /// <summary>Raises with a constant message.</summary>
    /// <param name="message">The message.</param>
    public RaiseStmt(string message)
        : this(new StrLiteral(message))
    {
    }
}
