using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp;

/// <summary>
/// e3nn's linear-algebra helpers (<c>e3nn.math.direct_sum</c>, <c>orthonormalize</c>, <c>complete_basis</c>), equal to
/// e3nn 0.5.6: the same Gram-Schmidt order, zeroing of entries below <c>eps</c> and sign convention (the first non-zero
/// entry of each vector is positive), so results are reproducible, not only equal up to a rotation.
/// </summary>
/// <example>
/// <code>
/// var (basis, coefficients) = E3nnLinalg.Orthonormalize(vectors);   // basis = coefficients @ vectors
/// var rest = E3nnLinalg.CompleteBasis(basis);                        // rows orthogonal to basis
/// </code>
/// </example>
public static class E3nnLinalg
{
    /// <summary>Direct sum of matrices (e3nn's <c>direct_sum</c>): puts them on the diagonal of a zero matrix. Leading
    /// dimensions are those of the first matrix (the others must broadcast to them).</summary>
    /// <param name="matrices">Tensors of shape <c>[..., m_k, n_k]</c> (at least one).</param>
    /// <returns>Shape <c>[..., Σ m_k, Σ n_k]</c>, the first matrix's dtype.</returns>
    public static Tensor DirectSum(params Tensor[] matrices)
    {
        ArgumentNullException.ThrowIfNull(matrices);
        if (matrices.Length == 0)
        {
            throw new ArgumentException("DirectSum: give at least one matrix.", nameof(matrices));
        }

        foreach (var x in matrices)
        {
            ArgumentNullException.ThrowIfNull(x, nameof(matrices));
            if (x.dim() < 2)
            {
                throw new ArgumentException($"DirectSum: every matrix needs at least 2 dimensions, got shape " +
                    $"[{string.Join(", ", x.shape)}].", nameof(matrices));
            }
        }

        var front = matrices[0].shape[..^2];
        var m = matrices.Sum(x => x.shape[^2]);
        var n = matrices.Sum(x => x.shape[^1]);
        var result = matrices[0].new_zeros([.. front, m, n]);
        long i = 0, j = 0;
        using (no_grad())
        {
            foreach (var x in matrices)
            {
                var (rows, cols) = (x.shape[^2], x.shape[^1]);
                using var block = result.narrow(-2, i, rows).narrow(-1, j, cols);
                block.copy_(x);
                i += rows;
                j += cols;
            }
        }

        return result;
    }

    /// <summary>
    /// Orthonormalises the rows of <paramref name="original"/> in order (e3nn's <c>orthonormalize</c>): rows that
    /// depend on earlier ones (residual norm at most <c>2 eps</c>) are dropped; entries below <paramref name="eps"/>
    /// are set to zero and each vector's first non-zero entry made positive.
    /// </summary>
    /// <param name="original">Vectors <c>x</c>, shape <c>[n, dim]</c>.</param>
    /// <param name="eps">The small number.</param>
    /// <returns><c>Final</c> (<c>y</c>, shape <c>[k, dim]</c>) and <c>Matrix</c> (<c>A</c>, shape <c>[k, n]</c>) with
    /// <c>y = A x</c>.</returns>
    public static (Tensor Final, Tensor Matrix) Orthonormalize(Tensor original, double eps = 1e-9)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (original.dim() != 2)
        {
            throw new ArgumentException($"Orthonormalize: original must be 2-dimensional [n, dim], got shape " +
                $"[{string.Join(", ", original.shape)}].", nameof(original));
        }

        var n = original.shape[0];
        var dim = original.shape[1];
        var final = new List<Tensor>();
        var matrix = new List<Tensor>();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var epsScalar = eps.ToScalar();
        using var zero = 0.0.ToScalar();
        for (long i = 0; i < n; i++)
        {
            var x = original[i];
            var cx = original.new_zeros(n);
            cx[i] = 1.0;
            for (var j = 0; j < final.Count; j++)
            {
                var c = x.dot(final[j]);
                x = x.sub(c.mul(final[j]));
                cx = cx.sub(c.mul(matrix[j]));
            }

            if (x.norm().ReadDouble() > 2 * eps)
            {
                var c = x.norm().reciprocal();
                x = c.mul(x);
                cx = c.mul(cx);
                x = x.masked_fill(x.abs().lt(epsScalar), zero);
                cx = cx.masked_fill(cx.abs().lt(epsScalar), zero);
                using var sign = FirstNonZeroSign(x).ToScalar();
                x = x.mul(sign);
                cx = cx.mul(sign);
                final.Add(x);
                matrix.Add(cx);
            }
        }

        var f = final.Count > 0 ? stack(final) : original.new_zeros(0, dim);
        var a = matrix.Count > 0 ? stack(matrix) : original.new_zeros(0, n);
        return (f.MoveToOuterDisposeScope(), a.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Unit vectors completing the rows of <paramref name="vecs"/> to a basis (e3nn's <c>complete_basis</c>): the
    /// canonical basis vectors are taken in order, orthogonalised against the (normalised) rows and the vectors kept
    /// so far, and kept when their residual is above <c>2 eps</c>; small entries are zeroed and signs fixed as in
    /// <see cref="Orthonormalize"/>. The rows of <paramref name="vecs"/> should be orthogonal.
    /// </summary>
    /// <param name="vecs">Shape <c>[n, dim]</c>.</param>
    /// <param name="eps">The small number.</param>
    /// <returns>Shape <c>[dim - rank, dim]</c>.</returns>
    public static Tensor CompleteBasis(Tensor vecs, double eps = 1e-9)
    {
        ArgumentNullException.ThrowIfNull(vecs);
        if (vecs.dim() != 2)
        {
            throw new ArgumentException($"CompleteBasis: vecs must be 2-dimensional [n, dim], got shape " +
                $"[{string.Join(", ", vecs.shape)}].", nameof(vecs));
        }

        var dim = vecs.shape[1];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var basis = Enumerable.Range(0, (int)vecs.shape[0]).Select(k => vecs[k].div(vecs[k].norm())).ToList();
        var expand = new List<Tensor>();
        var eye = torch.eye(dim, dtype: vecs.dtype, device: vecs.device);
        using var epsScalar = eps.ToScalar();
        using var zero = 0.0.ToScalar();
        for (long i = 0; i < dim; i++)
        {
            var x = eye[i].clone();
            foreach (var y in basis.Concat(expand).ToList())
            {
                x = x.sub(x.dot(y).mul(y));
            }

            if (x.norm().ReadDouble() > 2 * eps)
            {
                x = x.div(x.norm());
                x = x.masked_fill(x.abs().lt(epsScalar), zero);
                using var sign = FirstNonZeroSign(x).ToScalar();
                x = x.mul(sign);
                expand.Add(x);
            }
        }

        var result = expand.Count > 0 ? stack(expand) : vecs.new_zeros(0, dim);
        return result.MoveToOuterDisposeScope();
    }

    private static double FirstNonZeroSign(Tensor x)
    {
        var values = x.to(ScalarType.Float64).data<double>().ToArray();
        foreach (var v in values)
        {
            if (v != 0)
            {
                return Math.Sign(v);
            }
        }

        return 0.0;
    }
}
