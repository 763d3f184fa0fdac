using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// The "uvu" product of TensorProductPlanBuilder.BuildUvu: one operator product for all paths, one product per
// first-input irrep, one gather of the result and one of the weights (per-edge weights: e3nn's gather and multiply,
// without per-path einsums, transposes or concatenations per output irrep).
public partial class TensorProduct
{
    private Tensor UvuProducts(UvuPlan plan, Tensor x, Tensor y, Tensor w)
    {
        var a = y.checked_matmul(get_buffer(plan.Cg)!);                                    // [..., Σ I·ΣK]
        var aParts = plan.Blocks.Length == 1 ? new[] { a } : a.split(plan.CgSizes, -1);
        var xs = _in1Sizes.Length == 1 ? new[] { x } : x.split(_in1Sizes, -1);
        var parts = new Tensor[plan.Blocks.Length];
        for (var n = 0; n < parts.Length; n++)
        {
            var b = plan.Blocks[n];
            // Scalars: an outer product (a broadcast multiply), not a product of inner dimension 1.
            var product = b.Dim == 1
                ? xs[b.IIn1].unsqueeze(-1).mul(aParts[n].unsqueeze(-2))                    // [..., u, ΣK]
                : xs[b.IIn1].unflatten(^1, b.Mul, b.Dim).checked_matmul(aParts[n].unflatten(^1, b.Dim, b.Columns));
            parts[n] = product.flatten(-2);
        }
        var all = parts.Length == 1 ? parts[0] : cat(parts, -1);
        return all.index_select(-1, get_buffer(plan.OutputIndex)!)
            .mul(w.index_select(-1, get_buffer(plan.WeightIndex)!));
    }
}
