using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Tracing;

/// <summary>Splits the last dimension into blocks (a structure loop), scales each block by its own weight, mixes
/// with a parameter matrix and adds a buffer; uses a constant built inside forward and a built-in child.</summary>
[CompileMode(JitMode.Trace)]
public partial class BlockMix : nn.Module<Tensor, Tensor>
{
    private readonly int[] _sizes;
    private readonly Parameter _mix;
    private readonly Tensor _offset;
    private readonly Linear _post;

    public BlockMix(int[] sizes, ScalarType dtype = ScalarType.Float32) : base(nameof(BlockMix))
    {
        _sizes = sizes;
        var dim = sizes.Sum();
        _mix = new Parameter(randn(dim, dim, dtype: dtype));
        _offset = randn(dim, dtype: dtype);
        _post = nn.Linear(dim, 3, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        long offset = 0;
        for (var k = 0; k < _sizes.Length; k++)
        {
            var block = x.narrow(-1, offset, _sizes[k]);
            parts.Add(Scale(block, k + 1.0));
            offset += _sizes[k];
        }

        var weights = arange(1, _sizes.Sum() + 1, dtype: x.dtype) / 10.0;
        var y = cat(parts, -1) * weights;
        y = y.matmul(_mix) + _offset;
        return _post.forward(y.tanh()).MoveToOuterDisposeScope();
    }

    private static Tensor Scale(Tensor t, double k) => t * k + 1;
}

/// <summary>e3nn's TracingModule: sums rows picked by an int64 index buffer; inputs of random last dimension.</summary>
[CompileMode(JitMode.Trace)]
public partial class TracingModule : nn.Module<Tensor, Tensor>, ITracingInputs
{
    private readonly Tensor indexes;

    public TracingModule() : base(nameof(TracingModule))
    {
        indexes = tensor(new long[] { 0, 3, 1 });
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x[indexes].sum();

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var rng = new Random(n);
        return Enumerable.Range(0, Math.Max(n, 1)).Select(_ => new[] { randn(5, rng.Next(1, 4)) }).ToList();
    }

    public bool FixedLastDimension => false;
}

/// <summary>Shape arithmetic from the input's leading dimension: reshape, view, zeros sized by x.shape[0].</summary>
[CompileMode(JitMode.Trace)]
public partial class ShapeModule : nn.Module<Tensor, Tensor>
{
    public ShapeModule() : base(nameof(ShapeModule))
    {
    }

    public override Tensor forward(Tensor x)
    {
        var b = x.shape[0];
        var y = x.reshape(b, 2, -1).sum(1);
        var z = zeros(x.shape[0], 1, dtype: x.dtype);
        var w = y.view(-1, 3).expand(b, 3);
        return cat(new[] { w + 1.0, z }, -1);
    }
}
