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
        string Pieces(string name) => pieces[name];

        // torch.split, not narrow: the backward of one split is one concatenation, where each narrow's backward
        // would write a zero-padded tensor of the whole batch.
        forward.If(condition, then =>
        {
            foreach (var name in rowArguments)
            {
                then.Assign(Pieces(name), Torch("split", Var(name), rows, 0));
            }

            then.Assign(count, Builtin("len", Var(Pieces(rowArguments[0]))));
            then.Declare(chunks, TsType.List(TsType.Tensor), ListOf(TsType.Tensor));
            then.ForRange(i, Var(count), body =>
                body.Do(Method(Var(chunks), "append",
                    SelfCall(RowsMethod, Arguments(name => Index(Var(Pieces(name)), Var(i)))))));
            then.Return(Torch("cat", Var(chunks), 0));
        });
        forward.Return(SelfCall(RowsMethod, Arguments(Var)));

        cls.ReplaceMethod("forward", new MethodDef(RowsMethod, traced.Parameters, traced.ReturnType, traced.Body));
        cls.AddMethod(forward.Build());
    }
}
