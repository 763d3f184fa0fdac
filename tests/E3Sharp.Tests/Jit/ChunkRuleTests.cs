using E3Sharp.Jit;
using E3Sharp.Jit.Ir;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>
/// The batch-chunk rule is written once (ChunkRule) and read two ways: the eager decision of BatchChunks.Split and
/// the TorchScript conditions of the compiled forward. On random shapes, evaluating the TorchScript conditions (by a
/// small evaluator of their expressions) decides as the eager module does.
/// </summary>
public sealed class ChunkRuleTests
{
    private sealed class Chunked(long rows, int rowArguments) : IBatchChunked
    {
        public long BatchChunkRows => rows;

        public bool IsRowArgument(int index) => index < rowArguments;
    }

    [Fact]
    public void EagerDecisionEqualsTheScriptConditionOnRandomShapes()
    {
        var random = new Random(18);
        var sizes = new long[] { 1, 2, 3, 4, 8, 9, 17 };
        int chunked = 0, flattened = 0;
        for (var trial = 0; trial < 2000; trial++)
        {
            var rows = random.Next(1, 5);
            var count = random.Next(1, 4);
            var shapes = new long[count][];
            for (var a = 0; a < count; a++)
            {
                // Often the first argument's batch shape (rows that agree), sometimes another (broadcast, mismatch).
                shapes[a] = a > 0 && shapes[0].Length > 0 && random.Next(3) > 0
                    ? shapes[0][..^1].Append((long)random.Next(1, 4)).ToArray()
                    : Enumerable.Range(0, random.Next(0, 5)).Select(_ => sizes[random.Next(sizes.Length)]).ToArray();
            }
            // A shared argument after the row arguments, passed whole.
            var args = shapes.Select(s => zeros(s)).Append(zeros(3)).ToArray();
            var names = Enumerable.Range(0, count).Select(a => $"x{a}").ToArray();

            // Chunks only without autograd: about half the trials run with it.
            using var mode = random.Next(2) == 0 ? no_grad() : enable_grad();
            var flattens = (bool)Evaluate(ChunkRule.FlattensBatch(new ChunkRule.Script(names), count), names, shapes);
            var rowShapes = flattens ? shapes.Select(s => new[] { s[..^1].Aggregate(1L, (p, d) => p * d), s[^1] }).ToArray() : shapes;
            var splits = (bool)Evaluate(ChunkRule.Splits(new ChunkRule.Script(names), count, rows), names, rowShapes);

            var eager = BatchChunks.Split(new Chunked(rows, count), args);
            Assert.True(splits == eager is not null,
                $"shapes {string.Join(" ", shapes.Select(s => $"[{string.Join(",", s)}]"))}, rows {rows}: " +
                $"script {splits}, eager {eager is not null}");
            if (eager is not null)
            {
                Assert.Equal((rowShapes[0][0] + rows - 1) / rows, eager.Length);
                Assert.All(eager, c => Assert.Same(args[^1], c[^1]));
            }
            chunked += eager is null ? 0 : 1;
            flattened += flattens && eager is not null ? 1 : 0;
            foreach (var t in args) t.Dispose();
        }
        // Both outcomes and the flattening occur often enough for the comparison to mean something.
        Assert.InRange(chunked, 100, 1900);
        Assert.True(flattened > 20, $"{flattened} chunked calls were flattened");
    }

    [Fact]
    public void AKnownGradModeFoldsTheCondition()
    {
        // A trace per grad mode: the one with autograd is never chunked (the condition is False), the one without
        // does not ask torch.is_grad_enabled(); a trace for both modes asks.
        var names = new[] { "x" };
        Assert.Equal(IrBuilder.Bool(false), ChunkRule.Splits(new ChunkRule.Script(names, Grad: true), 1, 4));
        Assert.Equal("x.dim() == 2 and x.size(0) > 8", ChunkRule.Splits(new ChunkRule.Script(names, Grad: false), 1, 4).ToString());
        Assert.Equal("not torch.is_grad_enabled() and x.dim() == 2 and x.size(0) > 8",
            ChunkRule.Splits(new ChunkRule.Script(names), 1, 4).ToString());
        Assert.False(ChunkRule.Splits(new ChunkRule.Eager([[9, 3]], Grad: true), 1, 4));
        Assert.True(ChunkRule.Splits(new ChunkRule.Eager([[9, 3]], Grad: false), 1, 4));
    }

    [Fact]
    public void TheCompiledFlatteningReadsTheFirstArgumentsBatchSizesFromALocal()
    {
        // BatchChunking assigns x.size()[:-1] to a local once and compares the others with it.
        var names = new[] { "x", "y" };
        Assert.Equal("x.size()[:-1]", new ChunkRule.Script(names).BatchSizes(0).ToString());
        Assert.Equal("x.dim() > 2 and y.size()[:-1] == lead",
            ChunkRule.FlattensBatch(new ChunkRule.Script(names, IrBuilder.Var("lead")), 2).ToString());
    }

    // Python's l[:-1] (empty for an empty list).
    private static long[] Python(long[] l) => l.Length > 0 ? l[..^1] : l;

    // Evaluates the expressions ChunkRule writes: x.dim(), x.size(0), x.size()[:-1], ==, >, and, not, int literals,
    // torch.is_grad_enabled().
    private static object Evaluate(Expr e, string[] names, long[][] shapes) => e switch
    {
        IntLiteral i => i.Value,
        VarExpr v => shapes[Array.IndexOf(names, v.Name)],
        MethodCallExpr { Method: "dim", Args.Count: 0 } m => (long)((long[])Evaluate(m.Receiver, names, shapes)).Length,
        MethodCallExpr { Method: "size", Args.Count: 0 } m => Evaluate(m.Receiver, names, shapes),
        MethodCallExpr { Method: "size", Args: [IntLiteral d] } m => ((long[])Evaluate(m.Receiver, names, shapes))[d.Value],
        SubscriptExpr { Indices: [SliceExpr { Start: null, Stop: IntLiteral { Value: -1 }, Step: null }] } s =>
            Python((long[])Evaluate(s.Target, names, shapes)),
        TorchCallExpr { Op: "is_grad_enabled", Args.Count: 0 } => is_grad_enabled(),
        UnaryExpr { Op: UnaryOp.Not } u => !(bool)Evaluate(u.Operand, names, shapes),
        BinaryExpr { Op: BinaryOp.And } b => (bool)Evaluate(b.Left, names, shapes) && (bool)Evaluate(b.Right, names, shapes),
        BinaryExpr { Op: BinaryOp.Gt } b => (long)Evaluate(b.Left, names, shapes) > (long)Evaluate(b.Right, names, shapes),
        BinaryExpr { Op: BinaryOp.Eq } b => (Evaluate(b.Left, names, shapes), Evaluate(b.Right, names, shapes)) switch
        {
            (long l, long r) => l == r,
            (long[] l, long[] r) => l.SequenceEqual(r),
            var (l, r) => throw new InvalidOperationException($"== of {l} and {r}"),
        },
        _ => throw new InvalidOperationException($"not a chunk-rule expression: {e}"),
    };
}
