using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// The channel-wise groups (TensorProductPlan.Channel): "uvu" paths from a second-input irrep of multiplicity 1
// (NequIP's and MACE's convolution, per-edge weights) and "uuu" paths (Allegro), a group of paths per product.
public partial class TensorProduct
{
    // Each group's paths into outputs (e3nn's [..., u·K] layout), added to what is there.
    // "uvu": one product of x2 with the constant of all groups gives each group's operator A [..., I, ΣK]; the group's
    // columns are x1 [..., u, I] · A = [..., u, ΣK]; for I = 1 an outer product, by broadcast or as a batched product
    // as ChannelGroup.OuterByBroadcast chooses.
    // "uuu": the outer product x1 ⊗ x2 per channel [..., u, I·J] times the group's CG [I·J, ΣK]: one matrix product
    // with a constant (a GEMM over all rows and channels) instead of a batched product of tiny matrices per path.
    // Then, when every path has weights, one gather of the weights (WeightIndex) weighs all columns in one product,
    // and one gather (Layout) puts the paths' blocks one after another; groups with weights on some paths only weigh
    // each path's columns apart.
    // With `columns` (ScatterSum, under autograd, a plan with a ScatterPermutation): each group's weighted columns
    // [..., u·ΣK] are added to it instead, left in the group's order.
    private void ChannelProducts(Tensor y, Tensor w, Tensor[] xs, Tensor[] ys, Tensor[] ws, Tensor?[] outputs,
        List<Tensor>? columns = null)
    {
        Tensor[]? operators = null;
        if (_plan.UvuCg is { } uvuCg)
        {
            operators = y.checked_matmul(get_buffer(uvuCg)!).SplitLast(_plan.UvuSizes);           // [..., I·ΣK] each
        }
        var gathered = new Dictionary<string, Tensor>();
        // Without autograd the gathers cost more than they save (no backward to spare): each path apart, and a scalar
        // first input's paths as broadcast outer products (the compiled module has a trace per grad mode).
        var grad = TorchScript.GradEnabled;
        foreach (var g in _plan.Channel)
        {
            if (!grad && g.Mode == "uvu" && g.I == 1)
            {
                var a = operators![g.UvuPart].SplitLast(g.KSizes);                                  // [..., K] each
                for (var n = 0; n < g.Paths.Length; n++)
                {
                    var p = g.Paths[n];
                    var xw = p.HasWeight ? xs[g.IIn1].mul(WeightOf(ws, p)) : xs[g.IIn1];            // [..., u]
                    Add(outputs, p.IOut, xw.unsqueeze(-1).mul(a[n].unsqueeze(-2)).flatten(-2));
                }
                continue;
            }
            var x1 = xs[g.IIn1].unflatten(^1, g.U, g.I);                                           // [..., u, I]
            Tensor product;                                                                         // [..., u, ΣK]
            if (g.Mode == "uvu")
            {
                product = g.OuterByBroadcast
                    ? x1.mul(operators![g.UvuPart].unsqueeze(-2))
                    : x1.checked_matmul(operators![g.UvuPart].unflatten(^1, g.I, g.KSizes.Sum()));
            }
            else
            {
                var key = g.In2Index ?? $"block {g.IIn2}";
                if (!gathered.TryGetValue(key, out var x2))
                {
                    x2 = g.In2Index is { } index ? y.index_select(-1, get_buffer(index)!) : ys[g.IIn2];
                    x2 = x2.unflatten(^1, g.U, g.J);                                                 // [..., u, J]
                    gathered[key] = x2;
                }
                var outer = x1.unsqueeze(-1).mul(x2.unsqueeze(-2));                                 // [..., u, I, J]
                product = outer.flatten(-2).checked_matmul(get_buffer(g.Cg!)!);
            }
            if (grad && g.WeighedAtOnce)
            {
                var flat = product.flatten(-2);                                                     // [..., u·ΣK]
                if (g.WeightIndex is { } weightIndex) flat = flat.mul(w.index_select(-1, get_buffer(weightIndex)!));
                if (columns is not null)
                {
                    columns.Add(flat);
                    continue;
                }
                if (g.Layout is { } layout) flat = flat.index_select(-1, get_buffer(layout)!);
                var blocks = flat.SplitLast(g.BlockSizes);                                          // [..., u·K] each
                for (var n = 0; n < g.Paths.Length; n++) Add(outputs, g.Paths[n].IOut, blocks[n]);
                continue;
            }
            var split = product.SplitLast(g.KSizes);                                                // [..., u, K] each
            for (var n = 0; n < g.Paths.Length; n++)
            {
                var p = g.Paths[n];
                var r = p.HasWeight ? split[n].mul(WeightOf(ws, p).unsqueeze(-1)) : split[n];
                Add(outputs, p.IOut, r.flatten(-2));
            }
        }
    }

    private static Tensor WeightOf(Tensor[] ws, ChannelPath p) => ws[p.WeightPart];
}
