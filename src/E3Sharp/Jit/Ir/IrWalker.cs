namespace E3Sharp.Jit.Ir;

/// <summary>Enumerates the nodes of IR trees.</summary>
internal static class IrWalker
{
    /// <summary>All statements of a block, nested ones included (pre-order).</summary>
    /// <param name="body">The block.</param>
    public static IEnumerable<Stmt> Statements(IEnumerable<Stmt> body)
    {
        foreach (var s in body)
        {
            yield return s;
            var nested = s switch
            {
                IfStmt i => i.Then.Concat(i.Else),
                ForRangeStmt f => f.Body,
                ForInStmt f => f.Body,
                WhileStmt w => w.Body,
                _ => [],
            };
            foreach (var n in Statements(nested))
            {
                yield return n;
            }
        }
    }

    /// <summary>All expressions of a block, sub-expressions included (pre-order).</summary>
    /// <param name="body">The block.</param>
    public static IEnumerable<Expr> Expressions(IEnumerable<Stmt> body)
    {
        foreach (var s in Statements(body))
        {
            IEnumerable<Expr?> roots = s switch
            {
                AssignStmt a => [a.Value],
                ExprStmt e => [e.Expression],
                SetItemStmt si => [si.Target, si.Index, si.Value],
                IfStmt i => [i.Condition],
                ForRangeStmt f => [f.Start, f.End, f.Step],
                ForInStmt f => [f.Iterable],
                WhileStmt w => [w.Condition],
                ReturnStmt r => [r.Value],
                RaiseStmt r => [r.Message],
                _ => [],
            };
            foreach (var r in roots)
            {
                if (r is null)
                {
                    continue;
                }

                foreach (var e in Expressions(r))
                {
                    yield return e;
                }
            }
        }
    }

    /// <summary>An expression and all its sub-expressions (pre-order).</summary>
    /// <param name="expr">The expression.</param>
    public static IEnumerable<Expr> Expressions(Expr expr)
    {
        yield return expr;
        IEnumerable<Expr?> children = expr switch
        {
            TorchCallExpr t => t.Args.Concat(t.Keywords.Select(k => k.Value)).Cast<Expr?>(),
            MethodCallExpr m => new[] { m.Receiver }.Concat(m.Args).Concat(m.Keywords.Select(k => k.Value)),
            BuiltinCallExpr b => b.Args,
            BinaryExpr b => [b.Left, b.Right],
            UnaryExpr u => [u.Operand],
            TernaryExpr t => [t.Condition, t.IfTrue, t.IfFalse],
            TupleExpr t => t.Items,
            ListExpr l => l.Items,
            DictExpr d => d.Keys.Concat(d.Values),
            SubscriptExpr s => new[] { s.Target }.Concat(s.Indices),
            SliceExpr s => new Expr?[] { s.Start, s.Stop, s.Step },
            IsNoneExpr n => [n.Operand],
            ModuleCallExpr m => m.Args,
            SelfMethodCallExpr m => m.Args,
            UncheckedCastExpr u => [u.Operand],
            _ => [],
        };
        foreach (var c in children)
        {
            if (c is null)
            {
                continue;
            }

            foreach (var e in Expressions(c))
            {
                yield return e;
            }
        }
    }
}
