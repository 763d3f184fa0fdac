using E3Sharp.Jit.Ir;
using static E3Sharp.Jit.Ir.IrBuilder;

namespace E3Sharp.Jit;

/// <summary>
/// The batch-chunk rule of <see cref="IBatchChunked"/>, written once over the facts it reads of the row arguments
/// (rank, rows, batch sizes) and read two ways: on the shapes of an eager call (<see cref="Eager"/>, used by
/// <see cref="BatchChunks.Split"/>) and as the TorchScript conditions of the compiled forward (<see cref="Script"/>,
/// used by <c>Tracing/BatchChunking</c>). Only calls without autograd are chunked: with autograd every chunk's
/// intermediates are kept for the backward, so chunking saves no memory and only adds work (many small products, the
/// concatenation of the chunks and its backward).
/// </summary>
internal static class ChunkRule
{
    /// <summary>The facts about the row arguments the rule reads, and how they combine.</summary>
    /// <typeparam name="TBool">A condition.</typeparam>
    /// <typeparam name="TInt">An integer.</typeparam>
    /// <typeparam name="TSizes">A list of sizes.</typeparam>
    public interface IFacts<TBool, TInt, TSizes>
    {
        /// <summary>The rank of row argument <paramref name="arg"/>.</summary>
        TInt Dim(int arg);

        /// <summary>The size of row argument <paramref name="arg"/>'s first dimension.</summary>
        TInt Rows(int arg);

        /// <summary>The sizes of row argument <paramref name="arg"/>'s batch dimensions (all but the last).</summary>
        TSizes BatchSizes(int arg);

        TInt Int(long value);

        TBool Equal(TInt a, TInt b);

        TBool EqualSizes(TSizes a, TSizes b);

        TBool Greater(TInt a, TInt b);

        TBool And(TBool a, TBool b);

        /// <summary>Whether autograd records the call (<c>torch.is_grad_enabled()</c>).</summary>
        TBool GradEnabled();

        TBool Not(TBool a);
    }

    /// <summary>Whether the row arguments run as rows of their flattened batch dimensions (<c>[B, N, f]</c> to
    /// <c>[B·N, f]</c>): the first has several batch dimensions and the others the same batch sizes.</summary>
    /// <param name="facts">The facts.</param>
    /// <param name="rowArguments">The row arguments (at least one).</param>
    public static TBool FlattensBatch<TBool, TInt, TSizes>(IFacts<TBool, TInt, TSizes> facts, int rowArguments)
    {
        var condition = facts.Greater(facts.Dim(0), facts.Int(2));
        for (var a = 1; a < rowArguments; a++)
        {
            condition = facts.And(condition, facts.EqualSizes(facts.BatchSizes(a), facts.BatchSizes(0)));
        }

        return condition;
    }

    /// <summary>Whether the (flattened) row arguments are split into chunks of <paramref name="rows"/> rows: autograd
    /// off, every one two-dimensional, all with the same number of rows, more than twice <paramref name="rows"/>.</summary>
    /// <param name="facts">The facts.</param>
    /// <param name="rowArguments">The row arguments (at least one).</param>
    /// <param name="rows">Rows per chunk.</param>
    public static TBool Splits<TBool, TInt, TSizes>(IFacts<TBool, TInt, TSizes> facts, int rowArguments, long rows)
    {
        var condition = facts.And(facts.Not(facts.GradEnabled()), facts.Equal(facts.Dim(0), facts.Int(2)));
        for (var a = 1; a < rowArguments; a++)
        {
            condition = facts.And(condition, facts.Equal(facts.Dim(a), facts.Int(2)));
            condition = facts.And(condition, facts.Equal(facts.Rows(a), facts.Rows(0)));
        }

        return facts.And(condition, facts.Greater(facts.Rows(0), facts.Int(2 * rows)));
    }

    /// <summary>The facts of an eager call: the row arguments' shapes.</summary>
    /// <param name="Shapes">The shape of each row argument, in order.</param>
    /// <param name="Grad">Whether autograd records the call.</param>
    public sealed record Eager(IReadOnlyList<long[]> Shapes, bool Grad) : IFacts<bool, long, long[]>
    {
        public long Dim(int arg) => Shapes[arg].Length;

        // Read only where the rank is 2 (the conditions are conjunctions); 0 for a scalar keeps it total.
        public long Rows(int arg) => Shapes[arg].Length > 0 ? Shapes[arg][0] : 0;

        public long[] BatchSizes(int arg) => Shapes[arg].Length > 0 ? Shapes[arg][..^1] : [];

        public long Int(long value) => value;

        public bool Equal(long a, long b) => a == b;

        public bool EqualSizes(long[] a, long[] b) => a.SequenceEqual(b);

        public bool Greater(long a, long b) => a > b;

        public bool And(bool a, bool b) => a && b;

        public bool GradEnabled() => Grad;

        public bool Not(bool a) => !a;
    }

    /// <summary>The facts as TorchScript expressions over the row arguments' variables.</summary>
    /// <param name="Names">The row arguments' variable names, in order.</param>
    /// <param name="FirstBatchSizes">The first row argument's batch sizes, when a local holds them; else null.</param>
    /// <param name="Grad">The grad mode the code runs in, when it is known (a trace per grad mode); null: asked
    /// (<c>torch.is_grad_enabled()</c>). Known modes fold: a condition that cannot hold is <c>False</c>.</param>
    public sealed record Script(IReadOnlyList<string> Names, Expr? FirstBatchSizes = null, bool? Grad = null)
        : IFacts<Expr, Expr, Expr>
    {
        public Expr Dim(int arg) => Method(Var(Names[arg]), "dim");

        public Expr Rows(int arg) => Method(Var(Names[arg]), "size", 0);

        public Expr BatchSizes(int arg) => arg == 0 && FirstBatchSizes is not null
            ? FirstBatchSizes
            : Index(Method(Var(Names[arg]), "size"), Slice(null, Int(-1)));

        Expr IFacts<Expr, Expr, Expr>.Int(long value) => IrBuilder.Int(value);

        public Expr Equal(Expr a, Expr b) => Eq(a, b);

        public Expr EqualSizes(Expr a, Expr b) => Eq(a, b);

        public Expr Greater(Expr a, Expr b) => a > b;

        Expr IFacts<Expr, Expr, Expr>.And(Expr a, Expr b) => (a, b) switch
        {
            (BoolLiteral { Value: false }, _) or (_, BoolLiteral { Value: false }) => Bool(false),
            (BoolLiteral { Value: true }, _) => b,
            (_, BoolLiteral { Value: true }) => a,
            _ => IrBuilder.And(a, b),
        };

        public Expr GradEnabled() => Grad is { } g ? Bool(g) : Torch("is_grad_enabled");

        Expr IFacts<Expr, Expr, Expr>.Not(Expr a) => a is BoolLiteral b ? Bool(!b.Value) : IrBuilder.Not(a);
    }
}
