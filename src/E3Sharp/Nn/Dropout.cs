using E3Sharp.Jit;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>
/// Equivariant dropout (e3nn's <c>nn.Dropout</c>): in training, each irrep copy of each batch entry is kept with
/// probability <c>1 - p</c> and scaled by <c>1 / (1 - p)</c>, or set to zero, as a whole (all its components and all
/// sample dimensions together), so the result stays equivariant. In evaluation it is the identity.
/// </summary>
/// <remarks>Scripted, as e3nn's: the compiled module keeps the training/evaluation switch (<c>self.training</c>).
/// The mask is drawn with <c>rand_like(...) &lt; 1 - p</c> per irrep block (e3nn: <c>bernoulli_(1 - p)</c>), so the
/// same seed does not give e3nn's mask.</remarks>
/// <example>
/// <code>
/// var drop = new Dropout(new Irreps("2x0e + 1x1o"), 0.5);
/// var y = drop.call(torch.randn(8, 5));   // each 0e or 1o block of each row: 0 or 2x the input
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class Dropout : nn.Module<Tensor, Tensor>, IIrrepsModule, IInputContract
{
    private readonly long[] _muls;
    private readonly long[] _dims;

    /// <summary>Creates the dropout.</summary>
    /// <param name="irreps">Input (and output) irreps.</param>
    /// <param name="p">Probability to drop an irrep copy (0: never, 1 or more: always).</param>
    public Dropout(Irreps irreps, double p) : base(nameof(Dropout))
    {
        ArgumentNullException.ThrowIfNull(irreps);
        if (double.IsNaN(p))
        {
            throw new ArgumentException($"Dropout({irreps}): p is NaN.", nameof(p));
        }

        Irreps = irreps;
        P = p;
        _muls = irreps.Select(mi => (long)mi.Mul).ToArray();
        _dims = irreps.Select(mi => (long)mi.Ir.Dim).ToArray();
        RegisterComponents();
    }

    /// <summary>The irreps.</summary>
    public Irreps Irreps { get; }

    /// <summary>The probability to drop an irrep copy.</summary>
    public double P { get; }

    /// <summary>The input irreps.</summary>
    public IReadOnlyList<Irreps> IrrepsIn => new[] { Irreps };

    /// <summary>The output irreps (the input's).</summary>
    public Irreps IrrepsOut => Irreps;

    /// <summary>Applies the dropout to <c>[batch, ..., Irreps.Dim]</c>.</summary>
    /// <param name="x">Input <c>[batch, ..., Irreps.Dim]</c>.</param>
    public override Tensor forward(Tensor x)
    {
        InputContract.Check(this, x);

        if (!training)
        {
            return x;
        }

        var batch = x.shape[0];
        var noises = new List<Tensor>();
        for (var k = 0; k < _muls.Length; k++)
        {
            var mul = _muls[k];
            var dim = _dims[k];
            Tensor noise;
            if (P >= 1.0)
            {
                noise = x.new_zeros(batch, mul);
            }
            else if (P <= 0.0)
            {
                noise = x.new_ones(batch, mul);
            }
            else
            {
                // Bernoulli(1 - p) / (1 - p)
                var zero = x.new_zeros(batch, mul);
                using var keep = (1.0 - P).ToScalar();
                using var scale = (1.0 / (1.0 - P)).ToScalar();
                noise = zero.masked_fill(rand_like(zero).lt(keep), scale);
            }

            noises.Add(noise.unsqueeze(2).expand(-1, -1, dim).reshape(batch, mul * dim));
        }

        var mask = cat(noises, -1);
        while (mask.dim() < x.dim())
        {
            mask = mask.unsqueeze(1);
        }

        return x * mask;
    }

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs, <c>[batch, ..., Irreps.Dim]</c> of a floating dtype (checked eagerly and by
    /// the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(
        ToString(), [E3Sharp.O3.Modules.ModuleChecks.Input("x", Irreps) with { MinRank = 2 }]) { Floating = true };

    /// <inheritdoc />
    public override string ToString() =>
        $"{nameof(Dropout)} ({Irreps}, p={PythonRepr.Float(P)})";
}
