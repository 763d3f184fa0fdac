using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// Gate activation (e3nn's <c>nn.Gate</c>): scalars go through <c>actScalars</c>; each gated irrep copy is multiplied
/// by one gate scalar passed through <c>actGates</c>. The input irreps are the <em>sorted</em>, simplified
/// concatenation <c>(irrepsScalars + irrepsGates + irrepsGated).Sort().Irreps.Simplify()</c>; the output is
/// <c>act(scalars) + gated·act(gates)</c>.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class Gate : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    [ComponentName(Name = "sc")]
    private readonly Sortcut _sc;

    [ComponentName(Name = "act_scalars")]
    private readonly Activation _actScalars;

    [ComponentName(Name = "act_gates")]
    private readonly Activation _actGates;

    [ComponentName(Name = "mul")]
    private readonly ElementwiseTensorProduct _mul;

    /// <summary>Creates the gate.</summary>
    /// <param name="irrepsScalars">Scalars passed through <paramref name="actScalars"/> (and kept).</param>
    /// <param name="actScalars">One activation (or <c>null</c>) per entry of <paramref name="irrepsScalars"/>.</param>
    /// <param name="irrepsGates">Gate scalars, one per gated irrep copy.</param>
    /// <param name="actGates">One activation (or <c>null</c>) per entry of <paramref name="irrepsGates"/>.</param>
    /// <param name="irrepsGated">The gated irreps.</param>
    /// <param name="dtype">Floating dtype (default dtype if <c>null</c>).</param>
    /// <param name="device">Device (CPU if <c>null</c>).</param>
    public Gate(
        Irreps irrepsScalars,
        IReadOnlyList<nn.Module<Tensor, Tensor>?> actScalars,
        Irreps irrepsGates,
        IReadOnlyList<nn.Module<Tensor, Tensor>?> actGates,
        Irreps irrepsGated,
        ScalarType? dtype = null,
        Device? device = null)
        : base(nameof(Gate))
    {
        ArgumentNullException.ThrowIfNull(irrepsScalars);
        ArgumentNullException.ThrowIfNull(irrepsGates);
        ArgumentNullException.ThrowIfNull(irrepsGated);
        if (irrepsGates.Length > 0 && irrepsGates.Lmax > 0)
        {
            throw new ArgumentException(
                $"Gate: gate scalars must be scalars, instead got irreps_gates = {irrepsGates}.", nameof(irrepsGates));
        }
        if (irrepsScalars.Length > 0 && irrepsScalars.Lmax > 0)
        {
            throw new ArgumentException(
                $"Gate: scalars must be scalars, instead got irreps_scalars = {irrepsScalars}.", nameof(irrepsScalars));
        }
        if (irrepsGates.NumIrreps != irrepsGated.NumIrreps)
        {
            throw new ArgumentException(
                $"Gate: there are {irrepsGated.NumIrreps} irreps in irreps_gated ({ModuleChecks.Show(irrepsGated)}), " +
                $"but a different number ({irrepsGates.NumIrreps}) of gate scalars in irreps_gates " +
                $"({ModuleChecks.Show(irrepsGates)}).", nameof(irrepsGates));
        }
        _sc = new Sortcut(irrepsScalars, irrepsGates, irrepsGated);
        IrrepsScalars = _sc.IrrepsOuts[0];
        IrrepsGates = _sc.IrrepsOuts[1];
        IrrepsGated = _sc.IrrepsOuts[2];
        IrrepsInSingle = _sc.IrrepsIn[0];
        _actScalars = new Activation(irrepsScalars, actScalars);
        _actGates = new Activation(irrepsGates, actGates);
        _mul = new ElementwiseTensorProduct(irrepsGated, _actGates.IrrepsOut, dtype: dtype, device: device);
        IrrepsOut = _actScalars.IrrepsOut + _mul.IrrepsOut;
        RegisterComponents();
    }

    private Irreps IrrepsInSingle { get; }

    /// <summary>The (sorted, simplified) input irreps.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { IrrepsInSingle };

    /// <summary>The output irreps: activated scalars, then the gated irreps.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>The scalars (simplified).</summary>
    public Irreps IrrepsScalars { get; }

    /// <summary>The gates (simplified).</summary>
    public Irreps IrrepsGates { get; }

    /// <summary>The gated irreps (simplified).</summary>
    public Irreps IrrepsGated { get; }

    /// <summary>Applies the gate.</summary>
    /// <param name="features">Input of shape <c>[..., IrrepsIn.Dim]</c> (sorted layout).</param>
    /// <returns>Shape <c>[..., IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor features)
    {
        InputContract.Check(this, features);
        var parts = _sc.forward(features);
        var scalars = _actScalars.forward(parts[0]);
        var gates = parts[1];
        if (gates.size(-1) > 0)
        {
            gates = _actGates.forward(gates);
            var gated = _mul.forward(parts[2], gates);
            return cat(new[] { scalars, gated }, -1);
        }
        return scalars;
    }


    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(), [ModuleChecks.Input("features", IrrepsInSingle)], "mul.output_mask");
    /// <inheritdoc />
    public override string ToString() => $"{nameof(Gate)} ({IrrepsInSingle} -> {IrrepsOut})";
}
