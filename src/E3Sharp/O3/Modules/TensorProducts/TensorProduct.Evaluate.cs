using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// The evaluation of the plan: fused groups by their strategy, then each output irrep's other paths, in e3nn's layout.
public partial class TensorProduct
{
    private Tensor Compute(Tensor x, Tensor y, Tensor w)
    {
        // The paths outside fused groups take their inputs and weights from one split each (TensorSplits).
        var unfused = _plan.HasUnfusedPaths;
        var xs = !unfused ? Array.Empty<Tensor>() : x.SplitLast(_in1Sizes);
        var ys = !unfused ? Array.Empty<Tensor>() : y.SplitLast(_in2Sizes);
        var ws = !unfused || WeightNumel == 0 ? Array.Empty<Tensor>() : w.SplitLast(_weightSizes);
        // Without autograd, groups that allow it run merged (faster forward, slower backward); the compiled module
        // has a trace per grad mode (TorchScript.GradEnabled), so each runs its own formulation.
        var merged = _plan.Mergeable && !TorchScript.GradEnabled;
        var permute = _plan.GathersOutput(x.dtype, merged);
        var fusedOut = new Tensor?[IrrepsOut.Length];
        foreach (var g in _plan.Fused)
        {
            switch (TensorProductPlan.StrategyFor(g, merged))
            {
                case FusedGroupStrategy.Merged:
                    MergedProducts(g, g.Merged!, x, y, w, fusedOut);
                    break;
                default:
                    FusedProducts(g, x, y, w, fusedOut, permute);
                    break;
            }
        }
        var channelOut = new Tensor?[IrrepsOut.Length];
        if (_plan.Channel.Length > 0) ChannelProducts(y, w, xs, ys, ws, channelOut);
        var parts = new List<Tensor>();
        Tensor? zero = null;
        foreach (var op in _plan.Outputs)
        {
            var acc = fusedOut[op.IOut];
            if (permute && acc is not null && !op.KMajor && op.LayoutsDiffer)
            {
                // Fused results are [..., K·w]; this output also has other paths: e3nn's [..., w·K] now.
                acc = acc.unflatten(^1, op.Dim, op.Mul).transpose(-1, -2).flatten(-2);
            }
            if (op.Uvw.Length > 0)
            {
                var r = UvwBlock(op, xs, ys, ws);
                acc = acc is null ? r : acc.add(r);
            }
            if (channelOut[op.IOut] is { } channel)
            {
                acc = acc is null ? channel : acc.add(channel);
            }
            foreach (var p in op.Others)
            {
                var r = OtherPath(p, op, xs, ys, ws);
                acc = acc is null ? r : acc.add(r);
            }
            if (acc is null)
            {
                zero ??= ZeroBase(x, y, w);
                acc = zero.add(zero.new_zeros(new long[] { op.Mul * op.Dim }));            // broadcast: any rank
            }
            else if (!SharedWeights && !op.AnyWeighted)
            {
                zero ??= ZeroBase(x, y, w);
                acc = acc.add(zero);
            }
            parts.Add(acc);
        }
        if (parts.Count == 0)
        {
            zero ??= ZeroBase(x, y, w);
            return zero.narrow(-1, 0, 0);
        }
        var result = parts.Count == 1 ? parts[0] : cat(parts, -1);
        return permute ? result.index_select(-1, get_buffer(_plan.OutputPermutation!)!) : result;
    }

    // The weighted instructions' blocks in order: the split sizes of the weights (each path's plan holds its part).
    private static long[] WeightSizes(IEnumerable<Instruction> instructions) =>
        instructions.Where(i => i.HasWeight).Select(i => (long)i.PathNumel).ToArray();

    private static Tensor WeightOf(Tensor[] ws, PathPlan p) => ws[p.WeightPart];

    private static void Add(Tensor?[] outputs, int index, Tensor value)
    {
        var current = outputs[index];
        outputs[index] = current is null ? value : current.add(value);
    }

    // Zeros of shape [...broadcast batch..., 1], built from the inputs' shapes only through tensor operations.
    private Tensor ZeroBase(Tensor x, Tensor y, Tensor w)
    {
        var z = x.narrow(-1, 0, 0).sum(-1, keepdim: true).add(y.narrow(-1, 0, 0).sum(-1, keepdim: true));
        if (!SharedWeights) z = z.add(w.narrow(-1, 0, 0).sum(-1, keepdim: true));
        return z;
    }
}
