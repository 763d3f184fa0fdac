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

    /// <summary>The name the traced forward gets when it ends by concatenating pieces along the features: it returns
    /// the pieces (see <see cref="SplitFinalConcatenation"/>).</summary>
    public const string PartsMethod = "forward_rows_parts";

    /// <summary>The name the chunking method gets when a wrapper of the traced name flattens inputs with several
    /// batch dimensions into rows first.</summary>
    public const string ChunksMethod = "forward_chunks";

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

        // A module traced once per grad mode (Tracer.GradMethod, Tracer.NoGradMethod) chunks each trace.
        var cls = instance.Class;
        if (cls.FindMethod(Tracer.NoGradMethod) is null)
        {
            ApplyTo(chunked, cls, "forward", gradEnabled: null);
        }
        else
        {
            ApplyTo(chunked, cls, Tracer.GradMethod, gradEnabled: true);
            ApplyTo(chunked, cls, Tracer.NoGradMethod, gradEnabled: false);
        }
    }

    // Makes the traced method `method` a chunking method of that name around forward_rows{suffix} (or
    // forward_rows_parts{suffix}), the suffix being what follows "forward" in the name. gradEnabled: the grad mode
    // the method runs in (a trace per mode), or null when it runs in both.
    private static void ApplyTo(IBatchChunked chunked, ModuleClass cls, string method, bool? gradEnabled)
    {
        var suffix = method["forward".Length..];
        string rowsMethod = RowsMethod + suffix, partsMethod = PartsMethod + suffix;
        var traced = cls.FindMethod(method);
        if (traced is null || traced.ReturnType != TsType.Tensor || cls.FindMethod(rowsMethod) is not null
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
        var condition = ChunkRule.Splits(new ChunkRule.Script(rowArguments, Grad: gradEnabled), rowArguments.Length, rows);
        if (condition is BoolLiteral { Value: false })
        {
            return;                                                         // the trace with autograd: never chunked
        }

        Expr[] Arguments(Func<string, Expr> rowArgument) =>
            traced.Parameters.Select(p => rowArguments.Contains(p.Name) ? rowArgument(p.Name) : Var(p.Name)).ToArray();

        var chunksMethod = ChunksMethod + suffix;
        var (forward, local) = NewMethod(traced, chunksMethod);

        var pieces = rowArguments.ToDictionary(name => name, name => local(name + "_chunks"), StringComparer.Ordinal);
        string count = local("chunk_count"), chunks = local("row_chunks"), i = local("chunk");
        string Pieces(string name) => pieces[name];
        // The pieces are needed for the direct writes only, which need no autograd: a trace with autograd keeps its
        // final concatenation; one without writes directly (after the first chunk's check), one for both modes asks
        // torch.is_grad_enabled().
        var split = gradEnabled == true ? null : SplitFinalConcatenation(traced, partsMethod);
        Expr[] ChunkArguments() => Arguments(name => Index(Var(Pieces(name)), Var(i)));
        // One piece through the traced code: forward_rows, or the concatenation of forward_rows_parts.
        Expr RowsCall(Expr[] args) => split is { } s ? s.Finish(SelfCall(partsMethod, args), null) : SelfCall(rowsMethod, args);

        // One call site of the traced code (LibTorch inlines each call site into the graph it profiles and optimises
        // on the first calls: a second one, for the batches that are not chunked, would double that work): a batch
        // that is not chunked is a list of one piece. torch.split, not narrow: the backward of one split is one
        // concatenation, where each narrow's backward would write a zero-padded tensor of the whole batch.
        foreach (var name in rowArguments)
        {
            forward.Assign(Pieces(name), List(Var(name)));
        }

        forward.If(condition, then =>
        {
            foreach (var name in rowArguments)
            {
                then.Assign(Pieces(name), Torch("split", Var(name), rows, 0));
            }
        });
        forward.Assign(count, Builtin("len", Var(Pieces(rowArguments[0]))));
        forward.Declare(chunks, TsType.List(TsType.Tensor), ListOf(TsType.Tensor));
        if (split is { } sp)
        {
            // Without autograd, each chunk after the first concatenates its pieces straight into its rows of the
            // result (cat with out=, which autograd does not support): the result is written once, not once per
            // chunk and again by the concatenation of the chunks.
            string direct = local("direct"), output = local("rows_out"), outputs = local("rows_out_chunks");
            string parts = local("parts"), piece = local("piece");
            Expr several = Var(count) > 1;
            // Chunks run without autograd only (ChunkRule), so several chunks can always be written directly.
            forward.Assign(direct, several);
            forward.Declare(outputs, TsType.List(TsType.Tensor), ListOf(TsType.Tensor));
            forward.Assign(output, Var(rowArguments[0]));
            forward.ForRange(i, Var(count), body =>
            {
                body.Assign(parts, SelfCall(partsMethod, ChunkArguments()));
                body.If(And(Var(direct), Var(i) > 0),
                    into => into.Do(sp.Finish(Var(parts), Index(Var(outputs), Var(i)))),
                    whole =>
                    {
                        whole.Assign(piece, sp.Finish(Var(parts), null));
                        whole.If(And(Var(direct), Eq(Method(Var(piece), "dim"), 2)), first =>
                        {
                            first.Assign(output, Method(Var(piece), "new_empty",
                                List(Method(Var(rowArguments[0]), "size", 0), Method(Var(piece), "size", 1))));
                            first.Assign(outputs, Torch("split", Var(output), rows, 0));
                            first.Do(Method(Index(Var(outputs), 0), "copy_", Var(piece)));
                        }, other =>
                        {
                            other.Assign(direct, Bool(false));
                            other.Do(Method(Var(chunks), "append", Var(piece)));
                        });
                    });
            });
            forward.If(Var(direct), d => d.Return(Var(output)));
        }
        else
        {
            forward.ForRange(i, Var(count), body => body.Do(Method(Var(chunks), "append", RowsCall(ChunkArguments()))));
        }

        forward.If(Eq(Builtin("len", Var(chunks)), 1), one => one.Return(Index(Var(chunks), 0)));
        forward.Return(Torch("cat", Var(chunks), 0));
        cls.ReplaceMethod(method, split?.Parts ?? new MethodDef(rowsMethod, traced.Parameters, traced.ReturnType, traced.Body));
        cls.AddMethod(forward.Build());
        cls.AddMethod(FlattenBatchDimensions(traced, method, chunksMethod, rowArguments));
    }

    // A method with the traced method's parameters, and a namer for its locals: a name a parameter or an earlier local
    // has gets underscores appended.
    private static (MethodBuilder Method, Func<string, string> Local) NewMethod(MethodDef traced, string name)
    {
        var builder = new MethodBuilder(name, TsType.Tensor).Params(traced.Parameters);
        var used = new HashSet<string>(traced.Parameters.Select(p => p.Name), StringComparer.Ordinal);
        return (builder, local =>
        {
            while (!used.Add(local))
            {
                local += "_";
            }

            return local;
        });
    }

    // The method `method`: row arguments with several batch dimensions, all with the same leading sizes ([B, N, f]),
    // run as rows ([B·N, f], so that they are chunked too) and the result gets those dimensions back; other inputs
    // (rows already, no batch dimension, batch dimensions that broadcast) go to the chunking method as they are.
    private static MethodDef FlattenBatchDimensions(MethodDef traced, string method, string chunksMethod, string[] rowArguments)
    {
        var (wrapper, local) = NewMethod(traced, method);
        string lead = local("batch_sizes"), same = local("same_batch"), result = local("result");
        // One call site of the chunking method (LibTorch inlines each call site: a second would double the graph it
        // profiles and optimises on the first calls); the arguments are flattened in place when the batch shapes agree.
        wrapper.Assign(lead, new ChunkRule.Script(rowArguments).BatchSizes(0));
        var condition = ChunkRule.FlattensBatch(new ChunkRule.Script(rowArguments, Var(lead)), rowArguments.Length);

        wrapper.Assign(same, condition);
        wrapper.If(Var(same), flat =>
        {
            foreach (var name in rowArguments)
            {
                flat.Assign(name, Method(Var(name), "flatten", 0, -2));
            }
        });
        wrapper.Assign(result, SelfCall(chunksMethod, traced.Parameters.Select(p => (Expr)Var(p.Name)).ToArray()));
        wrapper.If(Var(same), flat => flat.Assign(result, Method(Var(result), "unflatten", 0, Var(lead))));
        wrapper.Return(Var(result));
        return wrapper.Build();
    }

    /// <summary>The traced forward split before its final concatenation: <see cref="PartsMethod"/> (the traced code
    /// returning the pieces) and how the pieces become the result, written into <c>out</c> when it is given.</summary>
    private sealed record FinalConcatenation(MethodDef Parts, Func<Expr, Expr?, Expr> Finish);

    /// <summary>When the traced forward ends with <c>return torch.cat(parts, dim)</c> (dim not 0), or with
    /// <c>return torch.index_select(torch.cat(parts, dim), dim, index)</c> (a permutation of the features after the
    /// concatenation): the method <c>forward_rows_parts</c>, the traced code returning <c>parts</c>, and the final
    /// step; otherwise null.</summary>
    private static FinalConcatenation? SplitFinalConcatenation(MethodDef traced, string partsMethod)
    {
        // The tracer ends with "_tN = torch.cat(parts, dim)" (then perhaps "_tM = torch.index_select(_tN, dim, i)")
        // and "return _tN" (or returns the last call itself).
        var body = traced.Body;
        if (body.Count == 0 || body[^1] is not ReturnStmt { Value: { } result })
        {
            return null;
        }

        var kept = body.Count - 1;
        Expr Unwrap(Expr e)
        {
            if (e is VarExpr v && kept >= 1 && body[kept - 1] is AssignStmt { Annotation: null } a
                && a.Targets.Count == 1 && a.Targets[0] == v.Name)
            {
                kept--;
                return a.Value;
            }

            return e;
        }

        result = Unwrap(result);
        Expr? gatherIndex = null;
        // torch.index_select(v, dim, index) or v.index_select(dim, index); the index must be a constant or a module
        // attribute (forward reads it outside the traced code).
        (VarExpr Source, long Dim, Expr Index)? gather = result switch
        {
            TorchCallExpr { Op: "index_select", Keywords.Count: 0, Args: [VarExpr v, IntLiteral d, var i] } => (v, d.Value, i),
            MethodCallExpr { Method: "index_select", Receiver: VarExpr v, Keywords.Count: 0, Args: [IntLiteral d, var i] } =>
                (v, d.Value, i),
            _ => null,
        };
        if (gather is { Index: TensorConstantExpr or SelfAttrExpr } g
            && Unwrap(g.Source) is TorchCallExpr { Op: "cat", Args: [_, IntLiteral catDim] } inner && catDim.Value == g.Dim)
        {
            result = inner;
            gatherIndex = g.Index;
        }

        if (result is not TorchCallExpr { Op: "cat" } cat || cat.Keywords.Count != 0 || cat.Args.Count != 2
            || cat.Args[1] is not IntLiteral { Value: not 0 } catDimension)
        {
            return null;
        }

        var partsBody = body.Take(kept).ToList();
        partsBody.Add(new ReturnStmt(cat.Args[0]));
        var parts = new MethodDef(partsMethod, traced.Parameters, TsType.List(TsType.Tensor), partsBody);
        // The final step, with out= when the result is written into the given tensor.
        KeywordArg[] Out(Expr? output) => output is null ? [] : [Kw("out", output)];
        return new FinalConcatenation(parts, (pieces, output) => gatherIndex is null
            ? Torch("cat", [pieces, catDimension], Out(output))
            : Torch("index_select", [Torch("cat", pieces, catDimension), catDimension, gatherIndex], Out(output)));
    }
}
