using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// The fused groups' evaluation without autograd, where the plan merges them (FusedGroupStrategy.Merged).
public partial class TensorProduct
{
    // A fused group without autograd: one batched product for all its dense outputs, M [..., C·P, Ī] · Xc =
    // [..., C, P·u] (C output components, each output padded to P second-input rows), then one batched product over
    // the components with their weights [C, P·u, w], giving each output as [..., w·K] (e3nn's layout), plus the
    // scalar-first terms. The forward is faster than FusedProducts' (one per-sample call, no per-output
    // transposes), but the backward would be slower (one GEMM per output component, and a layout copy of
    // the gradient), so only without autograd.
    private void MergedProducts(FusedGroup g, MergedPlan mp, Tensor x, Tensor y, Tensor w, Tensor?[] outputs)
    {
        var (xc, xs) = GatherX1(g, x);
        var m = y.checked_matmul(get_buffer(mp.Cg)!);                                              // [..., C·P·Ī + Σ K·R]
        var mParts = xs is not null ? m.split(new[] { mp.DenseColumns, g.ScalarColumns }, -1) : new[] { m };
        var mo = mParts[0].unflatten(^1, mp.Components * mp.P, g.IBar);                   // [..., C·P, Ī]
        var yo = mo.checked_matmul(xc!);                                                           // [..., C·P, u]
        // One GEMM per output component c, batched over c: the components move in front of the last batch dimension
        // (rows), after a leading 1 that gives inputs without batch dimensions a rows dimension too, so the traced
        // code does not depend on the inputs' rank ([1, C, rows, P·u] · [C, P·u, w] is one bmm for 2-D inputs).
        var yk = yo.unflatten(^2, mp.Components, mp.P).flatten(-2).unsqueeze(0)           // [1, ..., C, P·u]
            .movedim(new long[] { -2 }, new long[] { -3 });                                // [1, ..., C, rows, P·u]
        var wp = mp.Padded ? cat(new[] { w, w.new_zeros(new long[] { 1 }) }, 0) : w;
        var wAll = wp.index_select(0, get_buffer(mp.WeightIndex)!);
        var wParts = xs is not null ? wAll.split(new[] { mp.DenseWeights, g.U * g.ScalarWidth }, 0) : new[] { wAll };
        var wk = wParts[0].unflatten(0, mp.Components, mp.P * g.U, mp.W);
        var r = yk.checked_matmul(wk);                                                             // [1, ..., C, rows, w]
        var cm = new Tensor?[g.Outputs.Length];                                            // [1, ..., K, rows, w] each
        var rs = r.split(mp.Dims, -3);
        for (var j = 0; j < mp.Members.Length; j++) cm[mp.Members[j]] = rs[j];
        if (xs is not null)
        {
            // The scalar-first terms are added to the component-major products in one contiguous pass each, before
            // the layout copy below.
            var moved = g.ScalarFirst.All(s => g.Outputs[s].R == 1 && g.Outputs[s].W == mp.W);
            var terms = ScalarFirstTerms(g, xs, mParts[1], wParts[1], moved);
            using var unitValue = 1.ToScalar();
            for (var j = 0; j < terms.Length; j++)
            {
                var s = g.ScalarFirst[j];
                var (mt, yt) = terms[j];
                if (moved)
                {
                    cm[s] = cm[s] is { } d ? d.addcmul(mt, yt, unitValue) : mt.mul(yt);
                    continue;
                }
                var term = (g.Outputs[s].R == 1 ? mt.mul(yt) : mt.checked_matmul(yt))              // [..., rows, K, w]
                    .unsqueeze(0).movedim(new long[] { -3 }, new long[] { -2 });            // [1, ..., K, rows, w]
                cm[s] = cm[s] is { } e ? e.add(term) : term;
            }
        }
        for (var s = 0; s < g.Outputs.Length; s++)
        {
            var o = cm[s]!.movedim(new long[] { -3 }, new long[] { -1 }).flatten(-2);         // [1, ..., rows, w·K]
            Add(outputs, g.Outputs[s].IOut, o.squeeze(0));
        }
    }
}
