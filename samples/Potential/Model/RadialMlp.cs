using E3Sharp.Jit;
using E3Sharp.Nn;
using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// The radial network that turns an edge's length embedding into the weights of its tensor product (e3nn's
/// <c>FullyConnectedNet</c> as NequIP uses it): layers without biases, each <c>x ← act(x · W / sqrt(fan_in))</c> with
/// the second-moment-normalised activation, the last layer linear.
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class RadialMlp : nn.Module<Tensor, Tensor>, ITracingInputs
{
    [ComponentName(Name = "act")]
    private readonly Normalize2Mom _act;

    private readonly Parameter[] _weights;
    private readonly double[] _scales;

    /// <summary>Creates the network.</summary>
    /// <param name="sizes">Layer widths, input first, output last (at least two entries, all positive).</param>
    /// <param name="activation">Hidden activation (normalised to unit second moment).</param>
    /// <param name="dtype">Floating dtype.</param>
    public RadialMlp(IReadOnlyList<int> sizes, nn.Module<Tensor, Tensor> activation, ScalarType dtype = ScalarType.Float32)
        : base(nameof(RadialMlp))
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(activation);
        if (sizes.Count < 2 || sizes.Any(s => s < 1))
        {
            throw new ArgumentException(
                $"RadialMlp: sizes must have at least two positive entries, got [{string.Join(", ", sizes)}].",
                nameof(sizes));
        }

        Sizes = sizes.ToArray();
        _act = new Normalize2Mom(activation);
        _weights = new Parameter[sizes.Count - 1];
        _scales = new double[sizes.Count - 1];
        for (var k = 0; k < _weights.Length; k++)
        {
            _weights[k] = new Parameter(randn(new long[] { sizes[k], sizes[k + 1] }, dtype: dtype));
            _scales[k] = 1.0 / Math.Sqrt(sizes[k]);
        }

        RegisterComponents();
        for (var k = 0; k < _weights.Length; k++)
        {
            register_parameter($"layer{k}_weight", _weights[k]);
        }
    }

    /// <summary>Layer widths, input first.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>Applies the network.</summary>
    /// <param name="x">Input <c>[..., Sizes[0]]</c>.</param>
    /// <returns><c>[..., Sizes[^1]]</c>.</returns>
    public override Tensor forward(Tensor x)
    {
        // The scales (1/sqrt(fan_in), and the activation's normalisation constant before the next layer) multiply
        // the small weight matrices, not the [edges, width] activations: one pass over the activations fewer per
        // layer, forward and backward.
        for (var k = 0; k < _weights.Length; k++)
        {
            var scale = _scales[k] * (k > 0 && !_act.IsIdentity ? _act.Cst : 1.0);
            x = matmul(x, _weights[k] * scale);
            if (k < _weights.Length - 1)
            {
                x = _act.F.forward(x);
            }
        }

        return x;
    }

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var list = new List<Tensor[]>();
        for (var i = 0; i < Math.Max(n, 1); i++)
        {
            list.Add(new[] { randn(new long[] { 5 + i, Sizes[0] }, dtype: _weights[0].dtype) });
        }

        return list;
    }

    /// <inheritdoc />
    public bool FixedLastDimension => true;
}
