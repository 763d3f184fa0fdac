using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

/// <summary>
/// Reduces a tensor with index symmetries into irreps (e3nn's <c>o3.ReducedTensorProducts</c>): for a formula such as
/// <c>"ij=ji"</c> (symmetric), <c>"ij=-ji"</c> (antisymmetric) or <c>"ijkl=jikl=klij"</c> (elasticity) and the irreps
/// of each index, <see cref="ChangeOfBasis"/> <c>Q</c> (shape <c>[IrrepsOut.Dim, IrrepsIn[0].Dim, ...]</c>) maps the
/// tensors with those symmetries onto <see cref="IrrepsOut"/>, and <c>forward(x, y, ...)</c> returns
/// <c>Q · (x ⊗ y ⊗ ...)</c>.
/// </summary>
/// <remarks>
/// <c>Q</c> is computed in float64 exactly as e3nn 0.5.6 computes it (same irrep order, orthonormalisation order and
/// signs; tests compare it with e3nn's) and stored, as e3nn, in the buffer <c>change_of_basis</c> in the module's
/// dtype. e3nn's forward sums tensor products of the irreps; this one contracts the outer product with <c>Q</c>, which
/// is the same map (e3nn's docstring checks exactly this identity). <c>forward</c> takes one to four inputs (the
/// number of indices); longer formulas give <see cref="ChangeOfBasis"/> only.
/// </remarks>
/// <example>
/// <code>
/// var tp = new ReducedTensorProducts("ij=-ji", new Dictionary&lt;char, Irreps&gt; { ['i'] = "1o" });
/// var cross = tp.forward(x, y);          // 1x1e: the cross product (up to normalisation); tp(x, y) = -tp(y, x)
/// var elastic = new ReducedTensorProducts("ijkl=jikl=klij", new Dictionary&lt;char, Irreps&gt; { ['i'] = "1o" });
/// // elastic.IrrepsOut == 2x0e+2x2e+1x4e
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class ReducedTensorProducts : nn.Module<Tensor, Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private const string BufferName = "change_of_basis";
    private readonly Irreps[] _irrepsIn;
    private readonly long[] _inputDims;

    /// <summary>Builds the reduction.</summary>
    /// <param name="formula">Index letters joined by <c>=</c>, each permutation optionally negated with <c>-</c>.</param>
    /// <param name="irreps">The irreps of each index letter (letters the formula relates to a given one may be left
    /// out: for <c>"ij=ji"</c> giving <c>i</c> is enough).</param>
    /// <param name="filterIrOut">Only these irreps in the output (null: all).</param>
    /// <param name="filterIrMid">Only these irreps in the intermediate couplings, the last included (null: all).</param>
    /// <param name="eps">Tolerance of the null-space and orthonormalisation steps (e3nn's default 1e-9).</param>
    /// <param name="dtype">Dtype of the change of basis (default: torch's default dtype).</param>
    /// <param name="device">Device of the change of basis.</param>
    /// <exception cref="ArgumentException">The formula is malformed, related letters have different irreps, a letter
    /// has no irreps or is not in the formula, or no output irrep remains.</exception>
    public ReducedTensorProducts(string formula, IReadOnlyDictionary<char, Irreps> irreps,
        IEnumerable<Irrep>? filterIrOut = null, IEnumerable<Irrep>? filterIrMid = null, double eps = 1e-9,
        ScalarType? dtype = null, Device? device = null)
        : base(nameof(ReducedTensorProducts))
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(irreps);
        var (f0, formulas) = E3nnReduce.GerminateFormulas(formula);
        var byLetter = new Dictionary<char, Irreps>(irreps);
        foreach (var p in formulas)
        {
            var f = string.Concat(p.Permutation.Select(k => f0[k]));
            for (var k = 0; k < f0.Length; k++)
            {
                var (i, j) = (f0[k], f[k]);
                if (byLetter.TryGetValue(i, out var a) && byLetter.TryGetValue(j, out var b) && a != b)
                {
                    throw new ArgumentException(
                        $"ReducedTensorProducts('{formula}'): irreps of {i} ({a}) and {j} ({b}) should be the same.",
                        nameof(irreps));
                }

                if (byLetter.TryGetValue(i, out a)) byLetter[j] = a;
                if (byLetter.TryGetValue(j, out b)) byLetter[i] = b;
            }
        }

        foreach (var i in f0.Where(i => !byLetter.ContainsKey(i)))
        {
            throw new ArgumentException($"ReducedTensorProducts('{formula}'): index {i} has no irreps associated to it.",
                nameof(irreps));
        }

        foreach (var i in byLetter.Keys.Where(i => !f0.Contains(i)))
        {
            throw new ArgumentException(
                $"ReducedTensorProducts('{formula}'): index {i} has irreps but does not appear in the formula.",
                nameof(irreps));
        }

        Formula = formula;
        Eps = eps;
        _irrepsIn = f0.Select(i => byLetter[i]).ToArray();
        _inputDims = _irrepsIn.Select(x => (long)x.Dim).ToArray();
        var (irrepsOut, q) = ReducedTensorProductsBasis.Compute(f0, formulas, _irrepsIn, filterIrOut?.ToList(),
            filterIrMid?.ToList(), eps);
        IrrepsOut = new Irreps(irrepsOut.Select(ir => new MulIr(1, ir))).Simplify();
        using (q)
        {
            register_buffer(BufferName, q.to(dtype ?? get_default_dtype(), device ?? CPU));
        }

        _description = $"ReducedTensorProducts(\n    in: {string.Join(" times ", _irrepsIn.AsEnumerable())}\n" +
            $"    out: {IrrepsOut}\n)";
    }

    private readonly string _description;

    /// <summary>The formula the module was built from.</summary>
    public string Formula { get; }

    /// <summary>The tolerance used to build the change of basis.</summary>
    public double Eps { get; }

    /// <summary>The irreps of each index, in the order of the formula's first index string.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => _irrepsIn;

    /// <summary>The output irreps (simplified).</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>The change of basis <c>[IrrepsOut.Dim, IrrepsIn[0].Dim, ...]</c> (the buffer <c>change_of_basis</c>).</summary>
    public Tensor ChangeOfBasis => get_buffer(BufferName)!;

    /// <summary>Reduces the product of one input (a one-index formula).</summary>
    /// <param name="x0">Input <c>[..., IrrepsIn[0].Dim]</c>.</param>
    public Tensor forward(Tensor x0)
    {
        CheckArity(1);
        InputContract.Check(this, x0);
        return Reduce(x0);
    }

    /// <summary>Reduces <c>x0 ⊗ x1</c> (a two-index formula).</summary>
    /// <param name="x0">Input <c>[..., IrrepsIn[0].Dim]</c>.</param>
    /// <param name="x1">Input <c>[..., IrrepsIn[1].Dim]</c>; batch dimensions broadcast.</param>
    public override Tensor forward(Tensor x0, Tensor x1)
    {
        CheckArity(2);
        InputContract.Check(this, x0, x1);
        return Reduce(Outer(x0, x1));
    }

    /// <summary>Reduces <c>x0 ⊗ x1 ⊗ x2</c> (a three-index formula).</summary>
    /// <param name="x0">Input <c>[..., IrrepsIn[0].Dim]</c>.</param>
    /// <param name="x1">Input <c>[..., IrrepsIn[1].Dim]</c>.</param>
    /// <param name="x2">Input <c>[..., IrrepsIn[2].Dim]</c>.</param>
    public Tensor forward(Tensor x0, Tensor x1, Tensor x2)
    {
        CheckArity(3);
        InputContract.Check(this, x0, x1, x2);
        return Reduce(Outer(Outer(x0, x1), x2));
    }

    /// <summary>Reduces <c>x0 ⊗ x1 ⊗ x2 ⊗ x3</c> (a four-index formula).</summary>
    /// <param name="x0">Input <c>[..., IrrepsIn[0].Dim]</c>.</param>
    /// <param name="x1">Input <c>[..., IrrepsIn[1].Dim]</c>.</param>
    /// <param name="x2">Input <c>[..., IrrepsIn[2].Dim]</c>.</param>
    /// <param name="x3">Input <c>[..., IrrepsIn[3].Dim]</c>.</param>
    public Tensor forward(Tensor x0, Tensor x1, Tensor x2, Tensor x3)
    {
        CheckArity(4);
        InputContract.Check(this, x0, x1, x2, x3);
        return Reduce(Outer(Outer(Outer(x0, x1), x2), x3));
    }

    // The flattened outer product [..., d0 * d1] (batch dimensions broadcast).
    private static Tensor Outer(Tensor a, Tensor b) => a.unsqueeze(-1).mul(b.unsqueeze(-2)).flatten(-2);

    private Tensor Reduce(Tensor product)
    {
        var q = get_buffer(BufferName)!;
        return product.checked_matmul(q.reshape(q.shape[0], -1).t());
    }

    private void CheckArity(int n)
    {
        if (n != _irrepsIn.Length)
        {
            throw new ArgumentException($"{ToString().Replace("\n", " ")}: forward takes {_irrepsIn.Length} input(s) " +
                $"(one per index of '{Formula}'), got {n}.");
        }
    }

    private InputContract? _contract;

    // Named by ToString, as every module's refusals are (they start with its description).
    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(),
        _irrepsIn.Select((x, k) => ModuleChecks.Input($"x{k}", x)).ToArray(), BufferName);

    /// <inheritdoc />
    public override string ToString() => _description;
}
