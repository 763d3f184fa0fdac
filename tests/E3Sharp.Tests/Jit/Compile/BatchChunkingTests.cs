using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>A row-wise traced module that asks for chunks of 4 rows; its second argument is a shared vector.</summary>
[CompileMode(JitMode.Trace)]
public sealed partial class RowScale : nn.Module<Tensor, Tensor, Tensor>, ITracingInputs, IBatchChunked
{
    private readonly Parameter _weight;

    public RowScale() : base(nameof(RowScale))
    {
        _weight = new Parameter(linspace(-1.0, 2.0, 6).reshape(3, 2));
        RegisterComponents();
    }

    public long BatchChunkRows => 4;

    public bool IsRowArgument(int index) => index == 0;

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(3 + i, 3), randn(2) }).ToArray();

    public bool FixedLastDimension => FixLast;

    public bool FixLast { get; init; } = true;

    public override Tensor forward(Tensor x, Tensor shift) => x.matmul(_weight).tanh() + shift;
}

/// <summary>A row-wise module ending with a permutation of concatenated pieces, by a buffer or by its second argument.</summary>
[CompileMode(JitMode.Trace)]
public sealed partial class PermutedPieces : nn.Module<Tensor, Tensor, Tensor>, ITracingInputs, IBatchChunked
{
    private readonly Tensor _order;

    public PermutedPieces(bool orderFromArgument) : base(nameof(PermutedPieces))
    {
        OrderFromArgument = orderFromArgument;
        _order = tensor(new long[] { 4, 0, 3, 1, 2 });
        register_buffer("order", _order);
    }

    public bool OrderFromArgument { get; }

    public long BatchChunkRows => 4;

    public bool IsRowArgument(int index) => index == 0;

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(3 + i, 2), tensor(new long[] { 1, 0, 4, 3, 2 }) }).ToArray();

    public override Tensor forward(Tensor x, Tensor order) =>
        cat(new[] { x.sin(), x.narrow(1, 0, 1) * 2 + 1, x.cos() }, -1).index_select(-1, OrderFromArgument ? order : _order);
}

/// <summary>A row-wise module whose argument names are those the chunking code would pick for its locals.</summary>
[CompileMode(JitMode.Trace)]
public sealed partial class NameClash : nn.Module<Tensor, Tensor, Tensor>, ITracingInputs, IBatchChunked
{
    public NameClash() : base(nameof(NameClash)) { }

    public long BatchChunkRows => 4;

    public bool FixedLastDimension => true;

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(3 + i, 2), randn(3 + i, 2) }).ToArray();

    public override Tensor forward(Tensor row, Tensor row_chunks) => row * row_chunks.sin();
}

/// <summary>Compiled modules that evaluate large batches in row chunks (<see cref="IBatchChunked"/>).</summary>
public class BatchChunkingTests
{
    [Fact]
    public void EagerSplitFollowsTheCompiledRule()
    {
        // BatchChunks.Split (an eager forward's chunks) splits exactly when the compiled wrapper does: every row
        // argument 2-D with the same rows, more than twice BatchChunkRows (4 here); other arguments go whole.
        using var scope = NewDisposeScope();
        var m = new RowScale();
        var shared = randn(2);
        // With autograd no chunks (each chunk's intermediates would be kept anyway).
        Assert.Null(BatchChunks.Split(m, randn(9, 3), shared));
        using var noGrad = no_grad();
        Assert.Null(BatchChunks.Split(m, randn(8, 3), shared));
        // Several batch dimensions are rows first, as the compiled wrapper flattens them: [3, 3, 2] is 9 rows.
        var nd = BatchChunks.Split(m, arange(18).reshape(3, 3, 2), shared);
        Assert.NotNull(nd);
        Assert.Equal(new long[] { 4, 4, 1 }, nd!.Select(c => c[0].shape[0]));
        Assert.Equal(new long[] { 4, 2 }, nd![0][0].shape);
        Assert.Equal(17, nd[2][0][0, 1].ToInt64());
        Assert.Null(BatchChunks.Split(m, randn(2, 4, 3), shared));                 // 8 rows: one piece
        var chunks = BatchChunks.Split(m, arange(27).reshape(9, 3), shared);
        Assert.NotNull(chunks);
        Assert.Equal(new long[] { 4, 4, 1 }, chunks!.Select(c => c[0].shape[0]));
        Assert.All(chunks, c => Assert.Same(shared, c[1]));
        Assert.Equal(26, chunks[2][0][0, 2].ToInt64());
        var two = new TwoRowArguments();
        Assert.Null(BatchChunks.Split(two, randn(9, 3), randn(8, 3)));
        Assert.Equal(3, BatchChunks.Split(two, randn(9, 3), randn(9, 5))!.Length);
        Assert.Equal(3, BatchChunks.Split(two, randn(3, 3, 3), randn(3, 3, 5))!.Length);
        Assert.Null(BatchChunks.Split(two, randn(3, 3, 3), randn(9, 5)));          // batch sizes differ: broadcasting rules
        Assert.Null(BatchChunks.Split(two, randn(3, 3, 3), randn(1, 3, 5)));
    }

    private sealed class TwoRowArguments : IBatchChunked
    {
        public long BatchChunkRows => 4;
    }

    [Fact]
    public void ChunkedForwardMatchesEagerWithGradientsForEveryBatchSize()
    {
        using var scope = NewDisposeScope();
        var m = new RowScale();
        var compiled = TorchScript.Compile(m);
        var code = string.Join("\n", TorchScriptArchiveReader.Read(TorchScriptArchive.SaveToBytes(compiled)).Code.Values);
        Assert.Contains("def forward_rows(", code);
        Assert.Contains("torch.split(x, 4", code);
        // One call site of the traced code (LibTorch inlines each one into the graph it optimises on the first calls).
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(code, @"\.forward_rows\("));
        var shift = tensor(new[] { 0.5f, -0.25f });
        foreach (var n in new[] { 1, 3, 8, 9, 13, 40 })
        {
            var x = randn(n, 3).requires_grad_(true);
            var xe = x.detach().clone().requires_grad_(true);
            var c = compiled.call(x, shift);
            var e = m.call(xe, shift);
            Assert.True(allclose(c, e, rtol: 1e-6, atol: 1e-6), $"n = {n}: forward");
            c.pow(2).sum().backward();
            e.pow(2).sum().backward();
            Assert.True(allclose(x.grad!, xe.grad!, rtol: 1e-5, atol: 1e-6), $"n = {n}: gradient");
            using var noGrad = no_grad();
            Assert.True(allclose(compiled.call(x, shift), m.call(x, shift), rtol: 1e-6, atol: 1e-6), $"n = {n}: chunks");
        }
        // Several batch dimensions: flattened into rows (so chunked: 40 rows), the result unflattened; with gradients.
        Assert.Contains("torch.flatten(x, 0, -2)", code);
        Assert.Contains(", 0, batch_sizes)", code);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(code, @"\.forward_chunks\("));
        var x3 = randn(2, 20, 3).requires_grad_(true);
        var x3e = x3.detach().clone().requires_grad_(true);
        var c3 = compiled.call(x3, shift);
        var e3 = m.call(x3e, shift);
        Assert.Equal(e3.shape, c3.shape);
        Assert.True(allclose(c3, e3, rtol: 1e-6, atol: 1e-6), "[2, 20, 3]: forward");
        c3.pow(2).sum().backward();
        e3.pow(2).sum().backward();
        Assert.True(allclose(x3.grad!, x3e.grad!, rtol: 1e-5, atol: 1e-6), "[2, 20, 3]: gradient");
        var x4 = randn(2, 0, 5, 3);
        Assert.Equal(new long[] { 2, 0, 5, 2 }, compiled.call(x4, shift).shape);
        var big = randn(13, 3);
        Interop.Record("batch_chunked_row_scale", TorchScriptArchive.SaveToBytes(compiled), "forward", [big, shift],
            [compiled.call(big, shift)]);
    }

    [Fact]
    public void ChunkingLocalsNeverShadowTheArguments()
    {
        using var scope = NewDisposeScope();
        var m = new NameClash();
        var compiled = TorchScript.Compile(m);
        var a = randn(13, 2);
        var b = randn(13, 2);
        Assert.True(allclose(compiled.call(a, b), m.call(a, b), rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void AMatmulThatFailsInTheShadowRunIsATracingErrorNotACrash()
    {
        // With a free last dimension the tracer's shadow run multiplies [4, 4] by the [3, 2] weight. TorchSharp's
        // matmul would end the process on that; the tracer checks the shapes and names the problem instead.
        using var scope = NewDisposeScope();
        var e = Assert.Throws<E3Sharp.Jit.Tracing.TracingException>(() => TorchScript.Compile(new RowScale { FixLast = false }));
        Assert.StartsWith("RowScale is traced with its last dimension free (ITracingInputs.FixedLastDimension is false), " +
                          "and 'matmul' fails when the inputs' free dimensions change", e.Message);
        Assert.Contains("shapes [4, 4] and [3, 2] cannot be multiplied", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CompiledTensorProductChunksLargeBatches(bool sharedWeights)
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        var tp = new FullyConnectedTensorProduct("8x0e+4x1o", "0e+1o", "8x0e+4x1o", sharedWeights: sharedWeights,
            dtype: ScalarType.Float64);
        var rows = tp.BatchChunkRows;
        Assert.True(rows >= 128 && (rows & (rows - 1)) == 0, $"chunk rows {rows}");
        var compiled = TorchScript.Compile(tp);
        // The eager chunking is kept out of the trace (TorchScript.IsTracing), without tracer warnings.
        Assert.Empty(TorchScript.GetWarnings(compiled));
        var n = 2 * rows + 37;
        var x = tp.IrrepsIn1.Randn(new long[] { n, -1 }, ScalarType.Float64, null).requires_grad_(true);
        var y = tp.IrrepsIn2.Randn(new long[] { n, -1 }, ScalarType.Float64, null).requires_grad_(true);
        var args = new List<Tensor> { x, y };
        if (!sharedWeights) args.Add(randn(new long[] { n, tp.WeightNumel }, ScalarType.Float64).requires_grad_(true));
        var eagerArgs = args.Select(a => a.detach().clone().requires_grad_(true)).ToArray();
        var c = (Tensor)compiled.forward(args.Cast<object>().ToArray())!;
        var e = sharedWeights ? tp.forward(eagerArgs[0], eagerArgs[1]) : tp.forward(eagerArgs[0], eagerArgs[1], eagerArgs[2]);
        Assert.True(allclose(c, e, rtol: 1e-10, atol: 1e-12), "forward");
        // The eager forward chunks too: the same rows in two halves, each at most 2·rows and so run in one piece.
        using (no_grad())
        {
            var half = n / 2;
            var pieces = new[] { (0L, half), (half, n - half) }.Select(r =>
            {
                var a = args.Select(t => t.narrow(0, r.Item1, r.Item2)).ToArray();
                Assert.Null(BatchChunks.Split(tp, a[0], a[1], sharedWeights ? tp.Weight : a[2]));
                return sharedWeights ? tp.forward(a[0], a[1]) : tp.forward(a[0], a[1], a[2]);
            }).ToArray();
            Assert.True(allclose(e, cat(pieces, 0), rtol: 1e-10, atol: 1e-12), "eager chunks vs halves in one piece");
        }
        c.pow(2).sum().backward();
        e.pow(2).sum().backward();
        for (var i = 0; i < args.Count; i++)
        {
            Assert.True(allclose(args[i].grad!, eagerArgs[i].grad!, rtol: 1e-10, atol: 1e-12), $"gradient of argument {i}");
        }

        // The same rows as [3, n / 3 + ..., dim] inputs: the compiled module runs them as rows (chunked) and gives
        // them their batch dimensions back, with and without autograd; batch dimensions that broadcast (y without
        // the leading 3) run in one piece.
        var n3 = (n + 2) / 3;
        var x3 = tp.IrrepsIn1.Randn(new long[] { 3, n3, -1 }, ScalarType.Float64, null);
        var y3 = tp.IrrepsIn2.Randn(new long[] { 3, n3, -1 }, ScalarType.Float64, null);
        var w3 = sharedWeights ? null : randn(new long[] { 3, n3, tp.WeightNumel }, ScalarType.Float64);
        object[] Args3(Tensor yy) => w3 is null ? [x3, yy] : [x3, yy, w3];
        foreach (var yy in new[] { y3, y3[1] })
        {
            var expected = tp.forward(x3, yy, w3);
            foreach (var grad in new[] { true, false })
            {
                using var mode = grad ? enable_grad() : no_grad();
                var actual = (Tensor)compiled.forward(Args3(yy))!;
                Assert.Equal(expected.shape, actual.shape);
                Assert.True(allclose(actual, expected, rtol: 1e-10, atol: 1e-12), $"3-D inputs (y {string.Join("x", yy.shape)}), autograd {grad}");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WithoutAutogradChunksWriteIntoTheResult(bool sharedWeights)
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        var tp = new FullyConnectedTensorProduct("8x0e+4x1o+2x2e", "0e+1o", "8x0e+4x1o+2x2e", sharedWeights: sharedWeights,
            dtype: ScalarType.Float64);
        var compiled = TorchScript.Compile(tp);
        var code = string.Join("\n", TorchScriptArchiveReader.Read(TorchScriptArchive.SaveToBytes(compiled)).Code.Values);
        Assert.Contains("def forward_rows_parts(", code);
        Assert.Contains(", out=rows_out_chunks", code);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(code, @"\.forward_rows_parts\("));
        Assert.Contains("torch.is_grad_enabled()", code);
        var rows = tp.BatchChunkRows;
        foreach (var n in new[] { 2 * rows + 1, 3 * rows, 4 * rows + 37 })
        {
            var x = tp.IrrepsIn1.Randn(new long[] { n, -1 }, ScalarType.Float64, null);
            var y = tp.IrrepsIn2.Randn(new long[] { n, -1 }, ScalarType.Float64, null);
            var args = new List<Tensor> { x, y };
            if (!sharedWeights) args.Add(randn(new long[] { n, tp.WeightNumel }, ScalarType.Float64));
            var objects = args.Cast<object>().ToArray();
            Tensor direct;
            using (no_grad())
            {
                direct = (Tensor)compiled.forward(objects)!;
            }
            // With autograd the chunks are concatenated (cat with out= has no gradient); the numbers are the same.
            var viaList = (Tensor)compiled.forward(objects)!;
            Assert.Equal(sharedWeights, viaList.requires_grad);
            Assert.False(direct.requires_grad);
            Assert.Equal(new[] { n, tp.IrrepsOut.Dim }, direct.shape);
            Assert.Equal(0.0, (direct - viaList.detach()).abs().max().item<double>());
            var eager = sharedWeights ? tp.forward(x, y) : tp.forward(x, y, args[2]);
            Assert.True(allclose(direct, eager, rtol: 1e-10, atol: 1e-12), $"n = {n}: compiled vs eager");
        }
        var big = tp.IrrepsIn1.Randn(new long[] { 2 * rows + 3, -1 }, ScalarType.Float64, null);
        var bigY = tp.IrrepsIn2.Randn(new long[] { 2 * rows + 3, -1 }, ScalarType.Float64, null);
        if (sharedWeights)
        {
            using (no_grad())
            {
                Interop.Record("batch_chunked_tp_direct", TorchScriptArchive.SaveToBytes(compiled), "forward", [big, bigY],
                    [(Tensor)compiled.forward(big, bigY)!], noGrad: true);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFinalPermutationByAConstantAlsoWritesIntoTheResult(bool orderFromArgument)
    {
        using var scope = NewDisposeScope();
        var module = new PermutedPieces(orderFromArgument);
        var compiled = TorchScript.Compile(module);
        var code = string.Join("\n", TorchScriptArchiveReader.Read(TorchScriptArchive.SaveToBytes(compiled)).Code.Values);
        // An index read from an argument is computed by the traced code: the split would not see it in forward.
        Assert.Equal(!orderFromArgument, code.Contains("def forward_rows_parts(", StringComparison.Ordinal));
        Assert.Equal(!orderFromArgument, code.Contains(", out=rows_out_chunks", StringComparison.Ordinal));
        var order = tensor(new long[] { 4, 0, 3, 1, 2 });
        foreach (var n in new[] { 3, 9, 13, 16 })
        {
            var x = randn(n, 2);
            var expected = module.forward(x, order);
            using (no_grad())
            {
                Assert.Equal(0.0, (compiled.call(x, order) - expected).abs().max().item<float>());
            }
            Assert.Equal(0.0, (compiled.call(x, order) - expected).abs().max().item<float>());
        }
    }

    [Fact]
    public void OnlyAFinalConcatenationAlongFeaturesWritesIntoTheResult()
    {
        // RowScale ends with an addition: no direct path, the chunks are concatenated in every mode.
        using var scope = NewDisposeScope();
        var compiled = TorchScript.Compile(new RowScale());
        var code = string.Join("\n", TorchScriptArchiveReader.Read(TorchScriptArchive.SaveToBytes(compiled)).Code.Values);
        Assert.DoesNotContain("forward_rows_parts", code);
        Assert.DoesNotContain("rows_out", code);
        var x = randn(13, 3);
        var shift = tensor(new[] { 0.5f, -0.25f });
        using (no_grad())
        {
            Assert.Equal(new long[] { 13, 2 }, compiled.call(x, shift).shape);
        }
    }
}
