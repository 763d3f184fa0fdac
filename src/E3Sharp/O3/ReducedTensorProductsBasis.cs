using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// The change of basis of <see cref="Modules.ReducedTensorProducts"/>, computed in float64 as e3nn 0.5.6 does: the
/// tensor-product basis of the indices' irreps (<c>_wigner_nj</c>, sorted by irrep), intersected per output irrep with
/// the permutation-symmetric subspace (<see cref="E3nnReduce.ReducePermutation"/>) through the null space of one
/// block matrix, then orthonormalised in e3nn's order (<see cref="E3nnLinalg.Orthonormalize"/>).
/// </summary>
/// <remarks>The null-space vectors <c>eigh</c> returns are not unique, but only the projector <c>XᵀX</c> they span is
/// used, and the orthonormalisation after it is deterministic, so the result equals e3nn's to rounding.</remarks>
internal static class ReducedTensorProductsBasis
{
    /// <summary>Computes the output irreps (one entry per copy, in order) and the change of basis
    /// <c>[irreps_out.dim, dims...]</c> in float64.</summary>
    public static (List<Irrep> IrrepsOut, Tensor ChangeOfBasis) Compute(string f0, IReadOnlyList<SignedPermutation> formulas,
        IReadOnlyList<Irreps> irrepsIn, IReadOnlyList<Irrep>? filterIrOut, IReadOnlyList<Irrep>? filterIrMid, double eps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var dims = new Dictionary<char, int>();
        for (var k = 0; k < f0.Length; k++)
        {
            dims[f0[k]] = irrepsIn[k].Dim;
        }

        var (basePerm, _) = E3nnReduce.ReducePermutation(f0, formulas, dims, ScalarType.Float64);
        var groups = new List<(Irrep Ir, List<Tensor> Bases)>();
        foreach (var (ir, basis) in WignerNj(irrepsIn, filterIrMid))
        {
            if (filterIrOut is not null && !filterIrOut.Contains(ir))
            {
                continue;
            }

            var group = groups.FindIndex(g => g.Ir == ir);
            if (group < 0)
            {
                groups.Add((ir, new List<Tensor>()));
                group = groups.Count - 1;
            }

            groups[group].Bases.Add(basis);
        }

        var p = basePerm.flatten(1);          // [a, omega]: the permutation basis
        var pp = p.mm(p.T);
        var irrepsOut = new List<Irrep>();
        var changeOfBasis = new List<Tensor>();
        using var nullThreshold = eps.ToScalar();
        using var square = 2.ToScalar();
        foreach (var (ir, bases) in groups)
        {
            var mul = bases.Count;
            var baseO3 = stack(bases);        // [u, ir.dim, dims...]
            var r = baseO3.flatten(2);        // [u, ir.dim, omega]

            // Solve X R[:, 0] = Y P and keep X (e3nn checks the first component only).
            var r0 = r.select(1, 0);
            var rr = r0.mm(r0.T);
            var rp = r0.mm(p.T);
            var prob = cat([cat([rr, rp.neg()], 1), cat([rp.T.neg(), pp], 1)], 0);
            var (eigenvalues, eigenvectors) = linalg.eigh(prob);
            var nullMask = eigenvalues.lt(nullThreshold);
            var x = eigenvectors.index(TensorIndex.Colon, TensorIndex.Tensor(nullMask)).narrow(0, 0, mul).T;
            var projector = x.T.mm(x);

            var (solutions, _) = E3nnLinalg.Orthonormalize(projector, eps);
            for (var s = 0; s < solutions.shape[0]; s++)
            {
                var c = einsum("u,ui->i", solutions[s], baseO3.flatten(1)).reshape(baseO3.shape[1..]);
                using var correction = Math.Sqrt(ir.Dim / c.pow(square).sum().ReadDouble()).ToScalar();
                changeOfBasis.Add(c.mul(correction));
                irrepsOut.Add(ir);
            }
        }

        if (changeOfBasis.Count == 0)
        {
            throw new ArgumentException("ReducedTensorProducts: no output irrep satisfies the formula and the filters " +
                "(e3nn fails on this case too).");
        }

        return (irrepsOut, cat(changeOfBasis).MoveToOuterDisposeScope());
    }

    /// <summary>e3nn's <c>_wigner_nj</c> (component normalisation): every coupling path of the inputs, as
    /// <c>(ir_out, [ir_out.dim, dims...])</c>, stably sorted by irrep.</summary>
    private static List<(Irrep Ir, Tensor Basis)> WignerNj(IReadOnlyList<Irreps> irrepss, IReadOnlyList<Irrep>? filterIrMid)
    {
        if (irrepss.Count == 1)
        {
            var irreps = irrepss[0];
            var e = eye(irreps.Dim, dtype: ScalarType.Float64);
            var single = new List<(Irrep, Tensor)>();
            var i = 0;
            foreach (var mi in irreps)
            {
                for (var u = 0; u < mi.Mul; u++)
                {
                    single.Add((mi.Ir, e.narrow(0, i, mi.Ir.Dim)));
                    i += mi.Ir.Dim;
                }
            }

            return single;
        }

        var left = irrepss.Take(irrepss.Count - 1).ToList();
        var right = irrepss[^1];
        var leftDims = left.Select(x => (long)x.Dim).ToArray();
        var result = new List<(Irrep Ir, Tensor Basis)>();
        foreach (var (irLeft, cLeft) in WignerNj(left, filterIrMid))
        {
            var i = 0;
            foreach (var mi in right)
            {
                var ir = mi.Ir;
                foreach (var irOut in irLeft * ir)
                {
                    if (filterIrMid is not null && !filterIrMid.Contains(irOut))
                    {
                        continue;
                    }

                    using var componentScale = Math.Sqrt(irOut.Dim).ToScalar();
                    var w = Wigner.Wigner3j(irOut.L, irLeft.L, ir.L, ScalarType.Float64).mul(componentScale);
                    var c = einsum("jk,ijl->ikl", cLeft.flatten(1), w).reshape([irOut.Dim, .. leftDims, ir.Dim]);
                    for (var u = 0; u < mi.Mul; u++)
                    {
                        var full = zeros([irOut.Dim, .. leftDims, right.Dim], dtype: ScalarType.Float64);
                        full.narrow(-1, i + u * ir.Dim, ir.Dim).copy_(c);
                        result.Add((irOut, full));
                    }
                }

                i += mi.Mul * ir.Dim;
            }
        }

        return result.OrderBy(x => x.Ir).ToList();
    }
}
