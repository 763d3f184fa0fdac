using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// What both fused evaluations share: the gather of a group's first-input columns and the scalar-first factors.
public partial class TensorProduct
{
    // One gather of a fused group's first-input columns: the dense blocks stacked as Xc [..., Ī, u] (null without
    // dense paths), then the scalar-first irrep [..., u] (null without scalar-first paths). Gathering the scalar too
    // (rather than narrowing x) leaves x's gradient one scatter.
    private (Tensor? Xc, Tensor? Xs) GatherX1(FusedGroup g, Tensor x)
    {
        var xi = x.index_select(-1, get_buffer(g.In1Index)!);                              // [..., Ī·u (+ u)]
        if (g.ScalarFirst.Length == 0) return (xi.unflatten(^1, g.IBar, g.U), null);
        if (g.IBar == 0) return (null, xi);
        var parts = xi.split(new[] { g.IBar * g.U, g.U }, -1);
        return (parts[0].unflatten(^1, g.IBar, g.U), parts[1]);
    }

    // The scalar-first factors of a fused group (see FuseGroup), per output with scalar-first paths: the operator
    // part of x2 · CG and Y = x1_s · W_s, as [..., K, R] and [..., R, w], or (moved: every R = 1 and every w equal) as
    // [1, ..., K, rows, 1] and [1, ..., 1, rows, w], the component-major layout of MergedProducts. m: [..., Σ K·R];
    // w: the weights [..., u·Σ R·w].
    private (Tensor M, Tensor Y)[] ScalarFirstTerms(FusedGroup g, Tensor xs, Tensor m, Tensor w, bool moved)
    {
        var wsf = w.unflatten(^1, g.U, g.ScalarWidth);                                     // [..., u, Σ R·w]
        var ysf = SharedWeights ? xs.checked_matmul(wsf) : xs.unsqueeze(-2).checked_matmul(wsf).squeeze(-2); // [..., Σ R·w]
        var n = g.ScalarFirst.Length;
        var outs = g.ScalarFirst.Select(s => g.Outputs[s]).ToArray();
        long[] ks = outs.Select(o => o.K).ToArray(), rs = outs.Select(o => o.R).ToArray();
        bool allOne = outs.All(o => o.R == 1), sameW = outs.All(o => o.W == outs[0].W);
        if (moved && !(allOne && sameW))
        {
            throw new InvalidOperationException($"{_description}: internal error: scalar-first terms moved with R > 1 or unequal w.");
        }

        var dim = moved ? -3L : -2L;
        Tensor[] mParts, yParts;
        if (allOne)
        {
            var mu = m.unsqueeze(-1);                                                      // [..., Σ K, 1]
            if (moved) mu = mu.unsqueeze(0).movedim(new long[] { -2 }, new long[] { -3 }); // [1, ..., Σ K, rows, 1]
            mParts = n == 1 ? new[] { mu } : mu.split(ks, dim);
        }
        else
        {
            mParts = (n == 1 ? new[] { m } : m.split(outs.Select(o => o.K * o.R).ToArray(), -1))
                .Select((t, j) => t.unflatten(^1, outs[j].K, outs[j].R)).ToArray();
        }
        if (sameW)
        {
            var yu = ysf.unflatten(^1, rs.Sum(), outs[0].W);                               // [..., Σ R, w]
            if (moved) yu = yu.unsqueeze(0).movedim(new long[] { -2 }, new long[] { -3 }); // [1, ..., Σ R, rows, w]
            yParts = n == 1 ? new[] { yu } : yu.split(rs, dim);
        }
        else
        {
            yParts = ysf.split(outs.Select(o => o.R * o.W).ToArray(), -1)
                .Select((t, j) => t.unflatten(^1, outs[j].R, outs[j].W)).ToArray();
        }
        return mParts.Zip(yParts).ToArray();
    }
}
