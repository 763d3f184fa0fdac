using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting.Modules;

/// <summary>
/// Exercises values computed from the module when it is scripted: a loop over module arrays (unrolled), LINQ and
/// Math on fields, a branch decided by a string field, a parameter indexed by the unrolled loop variable, a buffer,
/// slices and a List&lt;Tensor&gt; joined by torch.cat.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class StateModule : nn.Module<Tensor, Tensor>
{
    private readonly long[] starts;
    private readonly long[] lengths;
    private readonly string mode;
    private readonly Parameter weight;
    private readonly Tensor offset;

    public StateModule(long[] starts, long[] lengths, string mode) : base(nameof(StateModule))
    {
        this.starts = starts;
        this.lengths = lengths;
        this.mode = mode;
        weight = new Parameter(torch.arange(1.0, starts.Length + 1.0));
        offset = torch.full(lengths.Sum(), 0.25);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var parts = new List<Tensor>();
        for (var k = 0; k < starts.Length; k++)
        {
            parts.Add(x.narrow(-1, starts[k], lengths[k]) * weight[k]);
        }

        var y = torch.cat(parts, -1);
        if (mode == "center")
        {
            y = y - y.mean(new long[] { -1 }, keepdim: true);
        }
        else
        {
            y = y + offset;
        }

        var total = lengths.Sum();
        var first = y[TensorIndex.Ellipsis, TensorIndex.Slice(0, total - 1)];
        return first / Math.Sqrt(total) + y[.., ^1].unsqueeze(-1);
    }
}
