using E3Sharp.Jit.Ir;
using static E3Sharp.Jit.Ir.IrBuilder;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// Gives a traced module that implements <see cref="IBatchChunked"/> a <c>forward</c> that runs large batches in
/// chunks of rows through the traced code (renamed <c>forward_rows</c>); see <see cref="IBatchChunked"/>.
/// </summary>
internal static class BatchChunking
{
    /// <summary>The name the traced forward gets.</summary>
    public const string RowsMethod = "forward_rows";

    /// <summary>The name of the traced forward that writes its result into given rows (see <see cref="IntoMethod"/>).</summary>
    public const string IntoMethodName = "forward_rows_into";

    /// <summary>Rewrites <paramref name="instance"/>'s class in place when <paramref name="module"/> asks for chunking
    /// and its traced forward has a tensor result and at least one row argument; otherwise leaves it alone.</summary>
    /// <param name="module">The eager module that was traced.</param>
    /// <param name="instance">Its traced instance (class with a <c>forward</c> method).</param>
    public static void Apply(TorchSharp.torch.nn.Module module, ModuleInstance instance)
    {
        if (module is not IBatchChunked chunked || chunked.BatchChunkRows <= 0)
        {
            return;
        }

        var cls = instance.Class;
        var traced = cls.FindMethod("forward");
        if (traced is null || traced.ReturnType != TsType.Tensor || cls.FindMethod(RowsMethod) is not null
            || traced.Parameters.Any(p => p.Type != TsType.Tensor))
        {
            return;
        }

        var rowArguments = traced.Parameters.Where((_, i) => chunked.IsRowArgument(i)).Select(p => p.Name).ToArray();
        if (rowArguments.Length == 0)
        {
            return;
        }

        var rows = chunked.BatchChunkRows;
        var first = Var(rowArguments[0]);
        Expr condition = Eq(Method(first, "dim"), 2);
        foreach (var name in rowArguments.Skip(1))
        {
            condition = And(condition, Eq(Method(Var(name), "dim"), 2));
            condition = And(condition, Eq(Method(Var(name), "size", 0), Method(first, "size", 0)));
        }

        condition = And(condition, Method(first, "size", 0) > 2 * rows);

        Expr[] Arguments(Func<string, Expr> rowArgument) =>
            traced.Parameters.Select(p => rowArguments.Contains(p.Name) ? rowArgument(p.Name) : Var(p.Name)).ToArray();

        var forward = new MethodBuilder("forward", TsType.Tensor);
        foreach (var p in traced.Parameters)
        {
            forward.Param(p.Name, p.Type, p.Default);
        }

        // Locals, renamed when a parameter or an earlier local has their name.
        var used = new HashSet<string>(traced.Parameters.Select(p => p.Name), StringComparer.Ordinal);
        string Local(string name)
        {
            while (!used.Add(name))
            {
                name += "_";
            }

            return name;
        }

        var pieces = rowArguments.ToDictionary(name => name, name => Local(name + "_chunks"), StringComparer.Ordinal);
        string count = Local("chunk_count"), chunks = Local("row_chunks"), i = Local("chunk");
        string firstRows = Local("first_rows"), output = Local("rows_out"), outputs = Local("rows_out_chunks");
        string Pieces(string name) => pieces[name];
        var into = IntoMethod(traced);

        // torch.split, not narrow: the backward of one split is one concatenation, where each narrow's backward
        // would write a zero-padded tensor of the whole batch.
        forward.If(condition, then =>
        {
            foreach (var name in rowArguments)
            {
                then.Assign(Pieces(name), Torch("split", Var(name), rows, 0));
            }

            then.Assign(count, Builtin("len", Var(Pieces(rowArguments[0]))));
            if (into is not null)
            {
                // Without autograd, the chunks after the first write their final concatenation straight into their
                // rows of the result (cat with out=, which autograd does not support): the result is written once,
                // instead of once per chunk and again by the concatenation of the chunks.
                then.Assign(firstRows, SelfCall(RowsMethod, Arguments(name => Index(Var(Pieces(name)), 0))));
                then.If(And(Not(Torch("is_grad_enabled")), Eq(Method(Var(firstRows), "dim"), 2)), direct =>
                {
                    direct.Assign(output, Method(Var(firstRows), "new_empty",
                        List(Method(Var(rowArguments[0]), "size", 0), Method(Var(firstRows), "size", 1))));
                    direct.Assign(outputs, Torch("split", Var(output), rows, 0));
                    direct.Do(Method(Index(Var(outputs), 0), "copy_", Var(firstRows)));
                    direct.ForRange(i, 1, Var(count), null, body =>
                        body.Do(SelfCall(IntoMethodName,
                            [.. Arguments(name => Index(Var(Pieces(name)), Var(i))), Index(Var(outputs), Var(i))])));
                    direct.Return(Var(output));
                });
                then.Declare(chunks, TsType.List(TsType.Tensor), ListOf(TsType.Tensor, Var(firstRows)));
                then.ForRange(i, 1, Var(count), null, body =>
                    body.Do(Method(Var(chunks), "append",
                        SelfCall(RowsMethod, Arguments(name => Index(Var(Pieces(name)), Var(i)))))));
            }
            else
            {
                then.Declare(chunks, TsType.List(TsType.Tensor), ListOf(TsType.Tensor));
                then.ForRange(i, Var(count), body =>
                    body.Do(Method(Var(chunks), "append",
                        SelfCall(RowsMethod, Arguments(name => Index(Var(Pieces(name)), Var(i)))))));
            }

            then.Return(Torch("cat", Var(chunks), 0));
        });
        forward.Return(SelfCall(RowsMethod, Arguments(Var)));

        cls.ReplaceMethod("forward", new MethodDef(RowsMethod, traced.Parameters, traced.ReturnType, traced.Body));
        if (into is not null)
        {
            cls.AddMethod(into);
        }

        cls.AddMethod(forward.Build());
    }

    /// <summary>The traced forward with its final <c>return torch.cat(parts, dim)</c> (dim not 0) turned into
    /// <c>return torch.cat(parts, dim, out=out)</c>, taking the output rows as a last argument; null when the traced
    /// forward does not end that way.</summary>
    private static MethodDef? IntoMethod(MethodDef traced)
    {
        // The tracer ends with "_tN = torch.cat(parts, dim)" and "return _tN" (or returns the call itself).
        var body = traced.Body;
        if (body.Count == 0 || body[^1] is not ReturnStmt { Value: { } result })
        {
            return null;
        }

        var kept = body.Count - 1;
        if (result is VarExpr v && body.Count >= 2 && body[^2] is AssignStmt { Annotation: null } a
            && a.Targets.Count == 1 && a.Targets[0] == v.Name)
        {
            result = a.Value;
            kept--;
        }

        if (result is not TorchCallExpr { Op: "cat" } cat || cat.Keywords.Count != 0 || cat.Args.Count != 2
            || cat.Args[1] is not IntLiteral { Value: not 0 })
        {
            return null;
        }

        var outName = "out";
        while (traced.Parameters.Any(p => p.Name == outName) || ReferencesName(body, outName))
        {
            outName += "_";
        }

        var intoBody = body.Take(kept).ToList();
        intoBody.Add(new ReturnStmt(Torch("cat", [.. cat.Args], Kw("out", Var(outName)))));
        return new MethodDef(IntoMethodName, [.. traced.Parameters, new Param(outName, TsType.Tensor)], TsType.Tensor,
            intoBody);
    }

    private static bool ReferencesName(IReadOnlyList<Stmt> body, string name) =>
        IrWalker.Statements(body).Any(s => s is AssignStmt a && a.Targets.Contains(name))
        || IrWalker.Expressions(body).Any(e => e is VarExpr v && v.Name == name);

}
