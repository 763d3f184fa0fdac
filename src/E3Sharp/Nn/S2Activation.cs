using E3Sharp.Jit;
using E3Sharp.Jit.Tracing;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// e3nn's <c>nn.S2Activation</c>: a pointwise nonlinearity on the sphere. The spherical tensor
/// <c>{A^l}</c> (irreps <c>1x0 + 1x1 + ... + 1xlmax</c>, parities <c>p_val p_arg^l</c>) is evaluated on a grid
/// (<see cref="ToS2Grid"/>), <c>act</c> (normalised as e3nn's <c>normalize2mom</c>) is applied to each value, and the
/// result is projected back (<see cref="FromS2Grid"/>) up to <c>lmaxOut</c>. Equivariant up to the grid's
/// quadrature error (smaller for larger <c>res</c>).
/// </summary>
/// <example>
/// <code>
/// var act = new S2Activation(new Irreps("1x0e + 1x1o + 1x2e"), nn.Tanh(), res: 20);
/// var y = act.call(x);   // [..., 9] -> [..., 9]
/// </code>
/// </example>
[CompileMode(JitMode.Trace)]
public partial class S2Activation : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    [TorchSharp.Utils.ComponentName(Name = "to_s2")]
    private readonly ToS2Grid _toS2;

    [TorchSharp.Utils.ComponentName(Name = "from_s2")]
    private readonly FromS2Grid _fromS2;

    [TorchSharp.Utils.ComponentName(Name = "act")]
    private readonly Normalize2Mom _act;

    /// <summary>Creates the activation.</summary>
    /// <param name="irreps">Input irreps <c>1x0 + 1x1 + ... + 1xlmax</c> with parities <c>p_val p_arg^l</c> (simplified first).</param>
    /// <param name="act">The scalar activation (elementwise).</param>
    /// <param name="res">Resolution of the grid: its number of betas (even).</param>
    /// <param name="normalization"><c>"component"</c> (default), <c>"norm"</c> or <c>"integral"</c> (the grids').</param>
    /// <param name="lmaxOut">Largest degree of the output (default: the input's).</param>
    /// <param name="randomRot">Whether each call rotates the grid randomly (eager only: a compiled module would freeze
    /// the rotation, so compiling refuses it).</param>
    /// <param name="dtype">Dtype of the grids' constants and the inputs (default: torch's default dtype).</param>
    /// <exception cref="ArgumentException">The irreps are not a spherical tensor, or their parity and the activation's
    /// disagree (<c>p_val = -1</c> needs an even or odd activation).</exception>
    public S2Activation(Irreps irreps, nn.Module<Tensor, Tensor> act, int res, string normalization = "component",
        int? lmaxOut = null, bool randomRot = false, ScalarType? dtype = null)
        : base(nameof(S2Activation))
    {
        ArgumentNullException.ThrowIfNull(irreps);
        ArgumentNullException.ThrowIfNull(act);
        irreps = irreps.Simplify();
        if (irreps.Length == 0 || irreps.Any(mi => mi.Mul != 1) ||
            !irreps.Select(mi => mi.Ir.L).SequenceEqual(Enumerable.Range(0, irreps.Length)))
        {
            throw new ArgumentException(
                $"S2Activation: the input must be a spherical tensor 1x0 + 1x1 + ... + 1xlmax, got {irreps}.", nameof(irreps));
        }

        var pVal = irreps[0].Ir.P;
        var lmax = irreps[^1].Ir.L;
        int pArg;
        if (irreps.All(mi => mi.Ir.P == pVal)) pArg = 1;
        else if (irreps.All(mi => mi.Ir.P == pVal * (mi.Ir.L % 2 == 0 ? 1 : -1))) pArg = -1;
        else throw new ArgumentException($"S2Activation: the parity of the input {irreps} is not well defined.", nameof(irreps));

        // The input transforms as A_l -> p_val p_arg^l A_l, the signal on the sphere as f(r) -> p_val f(p_arg r).
        var lOut = lmaxOut ?? lmax;
        int Pow(int p, int l) => l % 2 == 0 ? 1 : p;
        if (pVal == 1)
        {
            IrrepsOut = new Irreps(Enumerable.Range(0, lOut + 1).Select(l => new MulIr(1, new Irrep(l, Pow(pArg, l)))));
        }
        else
        {
            var pAct = ActivationParity(act);
            if (pAct == 0)
            {
                throw new ArgumentException(
                    $"S2Activation: the input {irreps} is odd (p_val = -1), so the activation must be even or odd; it is neither (the parity is violated).",
                    nameof(act));
            }

            IrrepsOut = new Irreps(Enumerable.Range(0, lOut + 1).Select(l => new MulIr(1, new Irrep(l, pAct * Pow(pArg, l)))));
        }

        IrrepsInSingle = irreps;
        RandomRot = randomRot;
        _toS2 = new ToS2Grid(lmax, res, null, normalization, dtype);
        _fromS2 = new FromS2Grid(res, null, lOut, normalization, lmax, dtype);
        _act = new Normalize2Mom(act);
        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The input irreps.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The output irreps <c>1x0 + ... + 1xlmaxOut</c>.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>Whether each call rotates the grid randomly.</summary>
    public bool RandomRot { get; }

    /// <summary>The grid from the input (e3nn's <c>to_s2</c>).</summary>
    public ToS2Grid ToS2 => _toS2;

    /// <summary>The grid back to the output (e3nn's <c>from_s2</c>).</summary>
    public FromS2Grid FromS2 => _fromS2;

    /// <summary>The normalised activation (e3nn's <c>act</c>).</summary>
    public Normalize2Mom Act => _act;

    /// <summary>Applies the activation.</summary>
    /// <param name="features">Input <c>[..., IrrepsIn.Dim]</c>.</param>
    /// <returns><c>[..., IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        if (RandomRot)
        {
            if (TraceSession.IsActive)
            {
                throw new NotSupportedException(
                    $"{this}: randomRot draws a rotation at each call, which a compiled module would freeze; build it with " +
                    "randomRot: false to compile it.");
            }

            var dIn = IrrepsInSingle.Dim;
            var dOut = IrrepsOut.Dim;
            var rotations = RandomRotations;                                  // blockdiag(D_in, D_out)
            var x = einsum("ij,...j->...i", rotations.narrow(0, 0, dIn).narrow(1, 0, dIn), features);
            x = _fromS2.call(_act.call(_toS2.call(x)));
            return einsum("ji,...j->...i", rotations.narrow(0, dIn, dOut).narrow(1, dIn, dOut), x);
        }

        return _fromS2.call(_act.call(_toS2.call(features)));
    }

    // A property, so that a traced forward reads it as a value (it is never traced: forward refuses randomRot first).
    private Tensor RandomRotations
    {
        get
        {
            using var scope = NewDisposeScope();
            var dtype = _toS2.get_buffer("shb")!.dtype;
            var (a, b, c) = Rotations.RandAngles(Array.Empty<long>(), dtype);
            return block_diag(IrrepsInSingle.D(a, b, c), IrrepsOut.D(a, b, c)).MoveToOuterDisposeScope();
        }
    }

    /// <summary>e3nn's test of an activation's parity: 1 (even), -1 (odd) or 0, from <c>act(x)</c> and
    /// <c>act(-x)</c> at 256 points of [0, 10].</summary>
    private static int ActivationParity(nn.Module<Tensor, Tensor> act)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = linspace(0, 10, 256, ScalarType.Float32);
        var a1 = act.call(x);
        var a2 = act.call(x.neg());
        var scale = a1.abs().max().item<float>();
        if (a1.sub(a2).abs().max().item<float>() < scale * 1e-10) return 1;
        if (a1.add(a2).abs().max().item<float>() < scale * 1e-10) return -1;
        return 0;
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [ModuleChecks.Input("features", IrrepsInSingle)], "to_s2.shb");

    /// <inheritdoc />
    public override string ToString() => $"{nameof(S2Activation)} ({IrrepsInSingle} -> {IrrepsOut})";
}
