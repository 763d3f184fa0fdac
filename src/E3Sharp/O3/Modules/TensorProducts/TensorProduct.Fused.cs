using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// The fused groups' evaluation with autograd (and without, where a group does not merge).
public partial class TensorProduct
{
    // A fused group: M = x2 · CG split per owner o into [..., K·V, Ī]; Xc = the group's dense x1 blocks transposed
    // and stacked, [..., Ī, u] (one index_select along the last dimension: a gather, much faster than concatenating
    // transposed views); M_o · Xc = [..., K·V, u] viewed as [..., K, V·u] (contiguous), times o's stacked weights
    // [V·u, w] = [..., K, w]; plus the scalar-first terms (ScalarFirstTerms); flattened as [..., K·w] (component-major,
    // Compute permutes the whole output to e3nn's layout) or transposed first ([..., w·K], e3nn's layout), into
    // outputs[o] (added to what is there).
    private void FusedProducts(FusedGroup g, Tensor x, Tensor y, Tensor w, Tensor?[] outputs, bool componentMajor)
    {
        var m = y.checked_matmul(get_buffer(g.Cg)!);                                               // [..., Σ K·slots·Ī + Σ K·R]
        var ms = m.SplitLast(g.CgSizes);
        var wg = w.index_select(-1, get_buffer(g.WeightIndex)!);                           // [..., Σ V·u·w + u·Σ R·w]
        var ws = wg.SplitLast(g.WeightSizes);
        var (xc, xs) = GatherX1(g, x);
        var mixed = new Tensor?[g.Outputs.Length];                                         // [..., K, w] each
        for (var n = 0; n < g.Owners.Length; n++)
        {
            var s = g.Owners[n];
            var slot = g.Outputs[s];
            var mo = ms[n].unflatten(^1, slot.K * slot.Slots, g.IBar);                     // [..., K·slots, Ī]
            var yo = mo.checked_matmul(xc!);                                                       // [..., K·slots, u]
            Tensor own;                                                                    // [..., K, V·u]
            if (slot.Guest >= 0)
            {
                var guest = g.Outputs[slot.Guest];
                var parts = yo.unflatten(^2, slot.K, slot.Slots).split(new[] { slot.V, 1L }, -2);
                own = parts[0].flatten(-2);                                                // a view: rows stay evenly spaced
                var gx = parts[1].narrow(-3, 0, guest.V).flatten(-3).unsqueeze(-2);        // [..., 1, V'·u]
                var gw = ws[g.WeightPart(slot.Guest)].unflatten(^1, guest.V * g.U, guest.W);
                mixed[slot.Guest] = gx.checked_matmul(gw);                                         // [..., 1, w]
            }
            else
            {
                own = yo.unflatten(^2, slot.K, slot.V).flatten(-2);                        // contiguous
            }
            var wo = ws[g.WeightPart(s)].unflatten(^1, slot.V * g.U, slot.W);              // [..., V·u, w]
            mixed[s] = own.checked_matmul(wo);                                                     // [..., K, w]
        }
        if (xs is not null)
        {
            var terms = ScalarFirstTerms(g, xs, ms[^1], ws[^1], moved: false);
            using var unitValue = 1.ToScalar();
            for (var j = 0; j < g.ScalarFirst.Length; j++)
            {
                var s = g.ScalarFirst[j];
                var (mt, yt) = terms[j];                                                   // [..., K, R], [..., R, w]
                mixed[s] = g.Outputs[s].R == 1
                    ? mixed[s] is { } d ? d.addcmul(mt, yt, unitValue) : mt.mul(yt)
                    : mixed[s] is { } e ? e.add(mt.checked_matmul(yt)) : mt.checked_matmul(yt);
            }
        }
        for (var s = 0; s < g.Outputs.Length; s++)
        {
            var r = mixed[s]!;
            var k = g.Outputs[s].K;
            Add(outputs, g.Outputs[s].IOut, (componentMajor || k == 1 ? r : r.transpose(-1, -2)).flatten(-2));
        }
    }
}
