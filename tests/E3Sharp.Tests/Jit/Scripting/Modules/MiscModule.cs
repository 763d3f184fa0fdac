using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting.Modules;

/// <summary>
/// Exercises more of the subset: an optional tensor argument tested for null, torch.nn.functional and torch.where,
/// dtype arguments, multi-int overloads, tuple-returning helpers and element access, tensor lists with initializers,
/// list and dict item assignment, foreach over a tensor list, int arithmetic with C# semantics, a runtime ternary, raise, and dispose scopes.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class MiscModule : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly int offset;

    public MiscModule(int offset) : base(nameof(MiscModule))
    {
        this.offset = offset;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = torch.NewDisposeScope();
        if (x.dim() != 2)
        {
            throw new ArgumentException("MiscModule expects a matrix");
        }

        var y = torch.nn.functional.relu(x) - 0.5 * x;
        if (mask is not null)
        {
            y = torch.where(mask, y, torch.zeros_like(y));
        }

        var pair = SplitHalf(y);
        var total = pair.Item1.sum(type: ScalarType.Float64) + pair.Item2.sum(new long[] { 0, 1 }).to_type(ScalarType.Float64);
        var rows = new List<Tensor> { y[0], -y[0] };
        rows[^1] = rows[^1] * 2.0;                               // list item assignment, index from the end
        foreach (var r in rows)
        {
            total = total + r.abs().max();
        }

        var named = new Dictionary<string, Tensor> { ["a"] = y.sum() };
        named["b"] = y.mean();                                   // dict item assignment: a new key
        named["a"] = named["a"] + 1.0;                           // and a replaced one
        total = total + named["a"] * named["b"];

        long n = x.shape[1];
        var q = (n - offset) / 2 + (n - offset) % 2;
        var flag = !(q > 1) && n >= 1;
        var scale = flag ? 2.0 : 0.25 * q;
        var grid = torch.zeros(2, 3, dtype: ScalarType.Float64) + scale;
        return (y.to_type(ScalarType.Float64) * total + grid.sum() + x.shape.Length).MoveToOuterDisposeScope();
    }

    private static (Tensor, Tensor) SplitHalf(Tensor t)
    {
        var h = t.shape[^1] / 2;
        return (t.narrow(-1, 0, h), t.narrow(-1, h, t.shape[^1] - h));
    }
}
