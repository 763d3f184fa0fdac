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

/// <summary>Splits the last dimension, once counted from the end (<c>^1</c>) and once from the example's rank.</summary>
[CompileMode(JitMode.Trace)]
public partial class LastDimensionSplitModule : nn.Module<Tensor, Tensor>
{
    public LastDimensionSplitModule(bool fromEnd) : base(nameof(LastDimensionSplitModule)) => FromEnd = fromEnd;

    public bool FromEnd { get; }

    public override Tensor forward(Tensor x)
    {
        var pairs = FromEnd ? x.unflatten(^1, 3, 2) : x.unflatten(x.dim() - 1, 3, 2);
        return pairs.select(-1, 0) * pairs.select(-1, 1);
    }
}

/// <summary>Flattens a [n, 6] input and splits it again, from the end, with a size read from the batch.</summary>
[CompileMode(JitMode.Trace)]
public partial class RefoldModule : nn.Module<Tensor, Tensor>
{
    public RefoldModule() : base(nameof(RefoldModule))
    {
    }

    public override Tensor forward(Tensor x) => x.flatten().unflatten(^1, x.size(0), -1) * 2.0;
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

/// <summary>Calls a child module twice; the child may be compiled on its own first (then it is a submodule call).</summary>
[CompileMode(JitMode.Trace)]
public partial class Parent : nn.Module<Tensor, Tensor>
{
    private readonly Child child;

    public Parent(ScalarType dtype = ScalarType.Float64) : base(nameof(Parent))
    {
        child = new Child(dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => child.forward(x) + child.call(x * 2.0);
}

[CompileMode(JitMode.Trace)]
public partial class Child : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Parameter scale;

    public Child(ScalarType dtype) : base(nameof(Child))
    {
        scale = new TorchSharp.Modules.Parameter(randn(4, dtype: dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => (x * scale).sin();
}

/// <summary>Holds a module type the tracer does not know (a TorchSharp Conv1d).</summary>
public partial class HasConv : nn.Module<Tensor, Tensor>
{
    private readonly Conv1d conv;

    public HasConv() : base(nameof(HasConv))
    {
        conv = nn.Conv1d(2, 2, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(x);
}

/// <summary>Reads a value of a traced tensor into C# control flow (data-dependent: warned).</summary>
public partial class Branchy : nn.Module<Tensor, Tensor>
{
    public Branchy() : base(nameof(Branchy))
    {
    }

    public override Tensor forward(Tensor x)
    {
        if (x.sum().item<double>() > 0)
        {
            return x * 2.0;
        }

        return x;
    }
}

/// <summary>Bakes the batch size: a size read from the input is stored in a C# long and used to reshape.</summary>
public partial class BakesBatch : nn.Module<Tensor, Tensor>
{
    public BakesBatch() : base(nameof(BakesBatch))
    {
    }

    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0];
        return x.reshape(new long[] { batch, 2, 2 }).sum(-1);
    }
}

/// <summary>Built-in TorchSharp modules in a Sequential, with dropout, layer norm and an embedding.</summary>
public partial class BuiltinStack : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Sequential seq;
    private readonly Embedding emb;
    private readonly Dropout drop;

    public BuiltinStack() : base(nameof(BuiltinStack))
    {
        seq = nn.Sequential(nn.Linear(4, 6), nn.SiLU(), nn.LayerNorm(6), nn.Identity(), nn.Linear(6, 3), nn.Softplus(2.0, 10.0),
            nn.GELU(), nn.ReLU(), nn.Tanh(), nn.Sigmoid());
        emb = nn.Embedding(10, 3);
        drop = nn.Dropout(0.5);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor tokens) => drop.forward(seq.forward(x)) + emb.forward(tokens).sum(-2);
}

/// <summary>Records an operation TorchScript has no overload for (clamp_min with a bool bound).</summary>
public partial class BadOp : nn.Module<Tensor, Tensor>
{
    public BadOp() : base(nameof(BadOp))
    {
    }

    public override Tensor forward(Tensor x) => x.clamp_min(true);
}

/// <summary>Exercises many recorded tensor operations and ModuleList/ModuleDict items in one forward.</summary>
public partial class OpCoverage : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> layers;
    private readonly ModuleDict<nn.Module<Tensor, Tensor>> named;
    private readonly Tensor rows;

    public OpCoverage() : base(nameof(OpCoverage))
    {
        layers = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(6, 6, dtype: ScalarType.Float64), nn.Tanh());
        named = nn.ModuleDict<nn.Module<Tensor, Tensor>>(("act", nn.Sigmoid()));
        rows = tensor(new long[] { 2, 0, 1 });
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor y)
    {
        foreach (var layer in layers)
        {
            x = layer.forward(x);
        }

        x = named["act"].forward(x);
        var parts = x.split(new long[] { 2, 4 }, -1);
        var (values, indexes) = parts[1].max(-1, keepdim: true);
        var chunks = x.chunk(3, -1);
        var a = cat(new[] { chunks[2], chunks[0] }, -1).softmax(-1) + values * indexes.to(x.dtype);
        var b = a.unsqueeze(1).transpose(1, 2).flatten(1).permute(1, 0).t();
        var c = b.index_select(-1, rows).gather(-1, zeros(b.shape[0], 2, dtype: ScalarType.Int64)).cumsum(-1);
        var d = c.where(c > 0.2, c.exp()).masked_fill(c < 0.1, 0.5).clamp(0.0, 2.0).pow(2).sqrt().abs().neg();
        var e = einsum("bi,bj->bij", d, y.narrow(-1, 0, 2)).reshape(-1, 4).mean(new long[] { -1 }, keepdim: true);
        var f = stack(new[] { e, e * 2.0 }, 0).sum(new long[] { 0 }) + y.select(-1, 1).unsqueeze(-1).expand_as(e);
        var g = (f.square().log1p().rsqrt().sigmoid().relu() - 1.0 / (f.abs() + 1.0) + (2.0 - f) * 0.5).addcmul(f, e, 0.25);
        var h = torch.nn.functional.normalize(g.repeat(1, 3), 2.0, -1).logsumexp(-1, keepdim: true);
        return cat(new[] { h, g, y.amax(new long[] { -1 }, keepdim: true), y.norm(-1, keepdim: true), y[TensorIndex.Ellipsis, TensorIndex.Slice(1, 3)] }, -1);
    }
}

/// <summary>Indexes with plain C# ints as on a tensor: a parameter by the loop variable (<c>weight[k]</c>), a matrix
/// element (<c>mix[i, j]</c>), a last-dimension column (<c>x[TensorIndex.Ellipsis, k]</c>, <c>x[.., k]</c>) and a row
/// by a size read from the input (<c>x[n - 1]</c>, symbolic).</summary>
[CompileMode(JitMode.Trace)]
public partial class IntIndexing : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter mix;

    public IntIndexing() : base(nameof(IntIndexing))
    {
        weight = new Parameter(tensor(new[] { 0.5, -2.0, 3.0 }));
        mix = new Parameter(tensor(new[,] { { 1.0, 2.0 }, { 3.0, 4.0 } }));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var parts = new List<Tensor>();
        for (var k = 0; k < 3; k++)
        {
            parts.Add(x[TensorIndex.Ellipsis, k] * weight[k]);
        }

        int i = 1, j = 0;
        var n = x.shape[0];
        var y = stack(parts, -1) * mix[i, j] + x[.., 2].unsqueeze(-1);
        return y + x[n - 1];
    }
}
