using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// The channel-wise groups (TensorProductPlan.Channel): "uvu" paths from a second-input irrep of multiplicity 1
// (NequIP's and MACE's convolution, per-edge weights) and "uuu" paths (Allegro), a group of paths per product.
public partial class TensorProduct
{
    // Each group's paths into outputs (e3nn's [..., u·K] layout), added to what is there.
    // "uvu": one product of x2 with the constant of all groups gives each group's operator A [..., I, ΣK]. A scalar
    // first-input irrep (I = 1) gives each path as an outer product of its weighted x1 [..., u] with A's K columns
    // (one pass that writes the output); otherwise x1 [..., u, I] · A = [..., u, ΣK], each path's columns times
    // its weights [..., u, 1] (one pass, contiguous). Path by path, einsum took a batched product per path, a
    // broadcast product with the weights and a sum over v (of size 1: a copy), each with a backward of its own.
    // "uuu": the outer product x1 ⊗ x2 per channel [..., u, I·J] times the group's CG [I·J, ΣK]: one matrix
    // product with a constant (a GEMM over all rows and channels) instead of a batched product of tiny matrices per
    // path.
    private void ChannelProducts(Tensor y, Tensor[] xs, Tensor[] ys, Tensor[] ws, Tensor?[] outputs)
    {
        Tensor[]? operators = null;
        if (_plan.UvuCg is { } uvuCg)
        {
            operators = y.checked_matmul(get_buffer(uvuCg)!).SplitLast(_plan.UvuSizes);           // [..., I·ΣK] each
        }
        var gathered = new Dictionary<string, Tensor>();
        foreach (var g in _plan.Channel)
        {
            var x1 = xs[g.IIn1];                                                                    // [..., u·I]
            Tensor[] columns;                                                                       // [..., u, K] each
            if (g.Mode == "uvu" && g.I == 1)
            {
                var a = operators![g.UvuPart].SplitLast(g.KSizes);                                  // [..., K] each
                for (var n = 0; n < g.Paths.Length; n++)
                {
                    var p = g.Paths[n];
                    var xw = p.HasWeight ? x1.mul(WeightOf(ws, p)) : x1;                            // [..., u]
                    Add(outputs, p.IOut, xw.unsqueeze(-1).mul(a[n].unsqueeze(-2)).flatten(-2));
                }
                continue;
            }
            if (g.Mode == "uvu")
            {
                var op = operators![g.UvuPart].unflatten(^1, g.I, g.KSizes.Sum());                   // [..., I, ΣK]
                columns = x1.unflatten(^1, g.U, g.I).checked_matmul(op).SplitLast(g.KSizes);
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
                var outer = x1.unflatten(^1, g.U, g.I).unsqueeze(-1).mul(x2.unsqueeze(-2));          // [..., u, I, J]
                columns = outer.flatten(-2).checked_matmul(get_buffer(g.Cg!)!).SplitLast(g.KSizes);
            }
            for (var n = 0; n < g.Paths.Length; n++)
            {
                var p = g.Paths[n];
                var r = p.HasWeight ? columns[n].mul(WeightOf(ws, p).unsqueeze(-1)) : columns[n];
                Add(outputs, p.IOut, r.flatten(-2));
            }
        }
    }

    private Tensor WeightOf(Tensor[] ws, ChannelPath p) => ws[_weightPart[(p.WeightOffset, p.WeightNumel)]];
}
