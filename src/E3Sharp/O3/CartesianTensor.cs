using E3Sharp.Jit;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// A Cartesian tensor with index symmetries as irreps (e3nn's <c>io.CartesianTensor</c>): every index is a vector
/// (<c>1o</c>), the formula gives the symmetries (<c>"ij=ji"</c> symmetric matrices: <c>1x0e+1x2e</c>;
/// <c>"ijkl=jikl=klij"</c> elasticity tensors: <c>2x0e+2x2e+1x4e</c>), and <see cref="FromCartesian"/> /
/// <see cref="ToCartesian"/> convert between the two forms with <see cref="Modules.ReducedTensorProducts"/>'s
/// change of basis (equal to e3nn 0.5.6's).
/// </summary>
/// <remarks>e3nn's class is an <c>Irreps</c>; here <see cref="Irreps"/> holds them (and converts implicitly).
/// <see cref="FromCartesian"/> projects any tensor onto the symmetric part: <c>ToCartesian(FromCartesian(t))</c> is
/// <c>t</c> symmetrised.</remarks>
/// <example>
/// <code>
/// var ct = new CartesianTensor("ij=ji");
/// var t = torch.arange(9).to(torch.float32).view(3, 3);
/// var y = ct.FromCartesian(t);            // [6]: 1x0e+1x2e
/// var back = ct.ToCartesian(y);           // (t + tᵀ) / 2
/// </code>
/// </example>
public sealed class CartesianTensor : IDisposable
{
    private readonly Tensor _changeOfBasis;   // float64 [Irreps.Dim, 3, ..., 3]

    /// <summary>Builds the representation of <paramref name="formula"/> (every index a <c>1o</c> vector).</summary>
    /// <param name="formula">Index letters joined by <c>=</c>, permutations optionally negated with <c>-</c>.</param>
    /// <exception cref="ArgumentException">The formula is malformed or allows no non-zero tensor.</exception>
    public CartesianTensor(string formula)
    {
        ArgumentNullException.ThrowIfNull(formula);
        Formula = formula;
        Indices = formula.Split('=')[0].Replace("-", "");
        using var rtp = MakeReducedTensorProducts(ScalarType.Float64, null);
        Irreps = rtp.IrrepsOut;
        _changeOfBasis = rtp.ChangeOfBasis.detach().clone();
    }

    /// <summary>The formula.</summary>
    public string Formula { get; }

    /// <summary>The index letters (the formula's first index string).</summary>
    public string Indices { get; }

    /// <summary>The irreps of the reduced tensor.</summary>
    public Irreps Irreps { get; }

    /// <summary>The dimension of the reduced tensor.</summary>
    public int Dim => Irreps.Dim;

    /// <summary>The irreps (e3nn's <c>CartesianTensor</c> is an <c>Irreps</c>).</summary>
    /// <param name="tensor">The Cartesian tensor representation.</param>
    public static implicit operator Irreps(CartesianTensor tensor) => tensor?.Irreps ?? throw new ArgumentNullException(nameof(tensor));

    /// <summary>The change of basis <c>[Dim, 3, ..., 3]</c> in <paramref name="dtype"/> (a new tensor).</summary>
    /// <param name="dtype">Dtype (default float64).</param>
    /// <param name="device">Device (default CPU).</param>
    public Tensor ChangeOfBasis(ScalarType? dtype = null, Device? device = null) =>
        _changeOfBasis.to(dtype ?? ScalarType.Float64, device ?? CPU);

    /// <summary>Converts a Cartesian tensor to irreps (e3nn's <c>from_cartesian</c>).</summary>
    /// <param name="data">Shape <c>[..., 3, ..., 3]</c> (one 3 per index), floating.</param>
    /// <returns>Shape <c>[..., Dim]</c>, the data's dtype.</returns>
    public Tensor FromCartesian(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckCartesian(data);
        using var q = _changeOfBasis.to(data.dtype, data.device);
        using var flatQ = q.flatten(1);
        using var flat = data.flatten(-Indices.Length);
        return flat.checked_matmul(flatQ.t());
    }

    /// <summary>Converts irreps back to a Cartesian tensor (e3nn's <c>to_cartesian</c>).</summary>
    /// <param name="data">Shape <c>[..., Dim]</c>, floating.</param>
    /// <returns>Shape <c>[..., 3, ..., 3]</c>, the data's dtype.</returns>
    public Tensor ToCartesian(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() < 1 || data.shape[^1] != Dim || !data.is_floating_point())
        {
            throw new ArgumentException($"CartesianTensor('{Formula}').ToCartesian: data must be a floating tensor " +
                $"[..., {Dim}] ({Irreps}), got {data.dtype} [{string.Join(", ", data.shape)}].", nameof(data));
        }

        using var q = _changeOfBasis.to(data.dtype, data.device);
        using var flatQ = q.flatten(1);
        using var flat = data.checked_matmul(flatQ);
        return flat.reshape([.. data.shape[..^1], .. Enumerable.Repeat(3L, Indices.Length)]);
    }

    /// <summary>Reduces <c>x_1 ⊗ x_2 ⊗ ...</c> (e3nn's <c>from_vectors</c>), one vector per index.</summary>
    /// <param name="xs">Vectors <c>[..., 3]</c> (as many as indices, at most four).</param>
    /// <returns>Shape <c>[..., Dim]</c>.</returns>
    public Tensor FromVectors(params Tensor[] xs)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Length != Indices.Length || xs.Length == 0)
        {
            throw new ArgumentException($"CartesianTensor('{Formula}').FromVectors: needs {Indices.Length} vectors, got " +
                $"{xs.Length}.", nameof(xs));
        }

        using var rtp = MakeReducedTensorProducts(xs[0].dtype, xs[0].device);
        return xs.Length switch
        {
            1 => rtp.forward(xs[0]),
            2 => rtp.forward(xs[0], xs[1]),
            3 => rtp.forward(xs[0], xs[1], xs[2]),
            4 => rtp.forward(xs[0], xs[1], xs[2], xs[3]),
            _ => throw new NotSupportedException(
                $"CartesianTensor('{Formula}').FromVectors: ReducedTensorProducts.forward takes at most 4 inputs."),
        };
    }

    /// <summary>The <see cref="Modules.ReducedTensorProducts"/> of the formula with every index <c>1o</c> (e3nn's
    /// <c>reduced_tensor_products</c>).</summary>
    /// <param name="dtype">Dtype of the module (default: torch's default dtype).</param>
    /// <param name="device">Device of the module.</param>
    public ReducedTensorProducts MakeReducedTensorProducts(ScalarType? dtype = null, Device? device = null) =>
        new(Formula, Indices.Distinct().ToDictionary(i => i, _ => new Irreps("1o")), dtype: dtype, device: device);

    /// <inheritdoc />
    public override string ToString() => Irreps.ToString();

    /// <summary>Frees the stored change of basis.</summary>
    public void Dispose() => _changeOfBasis.Dispose();

    private void CheckCartesian(Tensor data)
    {
        var n = Indices.Length;
        if (data.dim() < n || data.shape[^n..].Any(s => s != 3) || !data.is_floating_point())
        {
            throw new ArgumentException($"CartesianTensor('{Formula}').FromCartesian: data must be a floating tensor " +
                $"[..., {string.Join(", ", Enumerable.Repeat(3, n))}], got {data.dtype} [{string.Join(", ", data.shape)}].",
                nameof(data));
        }
    }
}
