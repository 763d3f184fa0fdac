using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// The paths outside fused groups: each path's CG block contracted with the second input first, then the first input.
public partial class TensorProduct
{
    // The non-fused "uvw" paths into one output irrep: (x1 · CG · x2) blocks side by side, then one matrix product
    // with the concatenated weights of all paths.
    private Tensor UvwBlock(OutputPlan op, Tensor[] xs, Tensor[] ys, Tensor[] ws)
    {
        var bParts = new List<Tensor>();
        var wParts = new List<Tensor>();
        foreach (var g in op.Uvw)
        {
            var aParts = new List<Tensor>();
            var wGroup = new List<Tensor>();
            foreach (var p in g.Paths)
            {
                var x2 = ys[p.IIn2];
                x2 = x2.unflatten(^1, p.Mul2, p.Dim2);                              // [..., v, j]
                var a = x2.checked_matmul(get_buffer(p.Cg)!);                              // [..., v, i*k]
                a = a.unflatten(^1, g.Dim1, op.Dim);                               // [..., v, i, k]
                aParts.Add(a.transpose(-3, -2));                                   // [..., i, v, k]
                var wp = WeightOf(ws, p);
                wGroup.Add(wp.unflatten(^1, g.Mul1, p.Mul2, op.Mul));              // [..., u, v, w]
            }
            var aAll = aParts.Count == 1 ? aParts[0] : cat(aParts, -2);            // [..., i, V, k]
            aAll = aAll.flatten(-2);                                               // [..., i, V*k]
            var x1 = xs[g.IIn1];
            x1 = x1.unflatten(^1, g.Mul1, g.Dim1);                                  // [..., u, i]
            var b = x1.checked_matmul(aAll);                                               // [..., u, V*k]
            b = b.unflatten(^1, g.V, op.Dim);                                       // [..., u, V, k]
            b = b.movedim(new long[] { -1 }, new long[] { -3 });                    // [..., k, u, V]
            bParts.Add(b.flatten(-2));                                             // [..., k, u*V]
            var wg = wGroup.Count == 1 ? wGroup[0] : cat(wGroup, -2);              // [..., u, V, w]
            wParts.Add(wg.flatten(-3, -2));                                        // [..., u*V, w]
        }
        var bAll = bParts.Count == 1 ? bParts[0] : cat(bParts, -1);                // [..., k, K]
        var wAll = wParts.Count == 1 ? wParts[0] : cat(wParts, -2);                // [..., K, w]
        var o = bAll.checked_matmul(wAll);                                                 // [..., k, w]
        return o.transpose(-1, -2).flatten(-2);                                    // [..., w*k]
    }

    private Tensor OtherPath(PathPlan p, OutputPlan op, Tensor[] xs, Tensor[] ys, Tensor[] ws)
    {
        var x2 = ys[p.IIn2];
        x2 = x2.unflatten(^1, p.Mul2, p.Dim2);                                      // [..., v, j]
        var a = x2.checked_matmul(get_buffer(p.Cg)!);                                      // [..., v, i*k]
        a = a.unflatten(^1, p.Dim1, op.Dim);                                       // [..., v, i, k]
        var x1 = xs[p.IIn1];
        x1 = x1.unflatten(^1, p.Mul1, p.Dim1);                                      // [..., u, i]
        Tensor? wp = null;
        if (p.HasWeight)
        {
            wp = WeightOf(ws, p);
            wp = wp.unflatten(^1, p.PathShape);
        }
        Tensor r;
        switch (p.Mode)
        {
            case "uuu":
            {
                r = einsum("...ui,...uik->...uk", x1, a);
                if (wp is not null) r = r.mul(wp.unsqueeze(-1));
                break;
            }
            case "uuw":
            {
                var d = einsum("...ui,...uik->...uk", x1, a);
                r = wp is not null ? einsum(p.Equation!, d, wp) : d.sum(-2, keepdim: true);
                break;
            }
            case "uvu":
            {
                var b = einsum("...ui,...vik->...uvk", x1, a);
                r = wp is not null ? einsum(p.Equation!, b, wp) : b.sum(-2);
                break;
            }
            case "uvv":
            {
                var b = einsum("...ui,...vik->...uvk", x1, a);
                r = wp is not null ? einsum(p.Equation!, b, wp) : b.sum(-3);
                break;
            }
            case "uvuv":
            {
                var b = einsum("...ui,...vik->...uvk", x1, a);
                if (wp is not null) b = b.mul(wp.unsqueeze(-1));
                r = b.flatten(-3, -2);
                break;
            }
            case "uvu<v":
            {
                var b = einsum("...ui,...vik->...uvk", x1, a).flatten(-3, -2);
                r = b.index_select(-2, get_buffer(p.Triu!)!);
                if (wp is not null) r = r.mul(wp.unsqueeze(-1));
                break;
            }
            default: // "u<vw"
            {
                var b = einsum("...ui,...vik->...uvk", x1, a).flatten(-3, -2);
                r = einsum(p.Equation!, b.index_select(-2, get_buffer(p.Triu!)!), wp!);
                break;
            }
        }
        return r.flatten(-2);
    }
}
