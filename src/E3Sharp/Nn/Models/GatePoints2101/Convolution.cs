using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn.Models.GatePoints2101;

/// <summary>
/// The equivariant convolution of e3nn's <c>nn.models.gate_points_2101</c> (<c>Convolution</c>): a self-connection
/// <c>sc(x, attr)</c>, and <c>lin2(Σ_edges tp(lin1(x, attr)[src], edge_attr; fc(edge embedding)) / √num_neighbors, attr)</c>,
/// mixed as <c>sin(π/8) sc + cos(π/8) conv</c> on the outputs the self-connection reaches (the convolution alone
/// elsewhere). Parameters and their names are e3nn's (<c>sc.weight</c>, <c>lin1.weight</c>, <c>fc.layer0.weight</c>,
/// ..., <c>lin2.weight</c>), so e3nn's state dict loads.
/// </summary>
/// <remarks>Scripted: node tensors have N rows and edge tensors E rows, which a trace's free batch dimensions cannot
/// tie together. e3nn's forward takes <c>edge_src</c> and <c>edge_dst</c>; this one takes them stacked as
/// <c>edgeIndex</c> <c>[2, E]</c> (row 0 source, row 1 destination).</remarks>
/// <example>
/// <code>
/// var conv = new Convolution("3x0e+2x1o", "10x0e", Irreps.SphericalHarmonics(3), "2x0e+1x1o", numberOfBasis: 5,
///     radialLayers: 2, radialNeurons: 16, numNeighbors: 4.0);
/// var y = conv.forward(x, attr, edgeIndex, edgeAttr, edgeLengthEmbedded);   // [N, 2x0e+1x1o]
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class Convolution : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>, ITracingInputs
{
    [ComponentName(Name = "sc")]
    private readonly FullyConnectedTensorProduct _sc;

    [ComponentName(Name = "lin1")]
    private readonly FullyConnectedTensorProduct _lin1;

    [ComponentName(Name = "fc")]
    private readonly FullyConnectedNet _fc;

    [ComponentName(Name = "tp")]
    private readonly TensorProduct _tp;

    [ComponentName(Name = "lin2")]
    private readonly FullyConnectedTensorProduct _lin2;

    // (1 - m) + cos(π/8) m for e3nn's sc.output_mask m: the convolution's weight per output component.
    [ComponentName(Name = "conv_weight")]
    private readonly Tensor _convWeight;

    private readonly double _selfWeight = Math.Sin(Math.PI / 8);
    private readonly double _messageScale;
    private readonly long _midDim;

    /// <summary>Creates the convolution (e3nn's argument order).</summary>
    /// <param name="irrepsIn">Irreps of the node features.</param>
    /// <param name="irrepsNodeAttr">Irreps of the node attributes.</param>
    /// <param name="irrepsEdgeAttr">Irreps of the edge attributes.</param>
    /// <param name="irrepsOut">Irreps of the output node features.</param>
    /// <param name="numberOfBasis">Width of the edge length embedding.</param>
    /// <param name="radialLayers">Hidden layers of the radial network.</param>
    /// <param name="radialNeurons">Neurons per hidden layer of the radial network.</param>
    /// <param name="numNeighbors">Typical number of neighbours (the summed messages are divided by its square root).</param>
    /// <param name="dtype">Dtype of the parameters (default: torch's default dtype).</param>
    public Convolution(Irreps irrepsIn, Irreps irrepsNodeAttr, Irreps irrepsEdgeAttr, Irreps irrepsOut, int numberOfBasis,
        int radialLayers, int radialNeurons, double numNeighbors, ScalarType? dtype = null)
        : base(nameof(Convolution))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(irrepsNodeAttr);
        ArgumentNullException.ThrowIfNull(irrepsEdgeAttr);
        ArgumentNullException.ThrowIfNull(irrepsOut);
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfBasis, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(radialLayers);
        ArgumentOutOfRangeException.ThrowIfLessThan(radialNeurons, 1);
        if (!(numNeighbors > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(numNeighbors), numNeighbors,
                "Convolution: the number of neighbours must be positive.");
        }

        IrrepsIn = irrepsIn;
        IrrepsNodeAttr = irrepsNodeAttr;
        IrrepsEdgeAttr = irrepsEdgeAttr;
        IrrepsOut = irrepsOut;
        NumberOfBasis = numberOfBasis;
        NumNeighbors = numNeighbors;
        _sc = new FullyConnectedTensorProduct(irrepsIn, irrepsNodeAttr, irrepsOut, dtype: dtype);
        _lin1 = new FullyConnectedTensorProduct(irrepsIn, irrepsNodeAttr, irrepsIn, dtype: dtype);

        // e3nn: a "uvu" path to each output irrep in irreps_out; the mid irreps sorted, not simplified (lin2's weight
        // layout follows them).
        var spec = TensorProductSpec.ChannelWise(irrepsIn, irrepsEdgeAttr, irrepsOut.Contains);
        _tp = new TensorProduct(irrepsIn, irrepsEdgeAttr, spec.Out, spec.Instructions, internalWeights: false,
            sharedWeights: false, dtype: dtype);
        var hs = new[] { numberOfBasis }.Concat(Enumerable.Repeat(radialNeurons, radialLayers)).Append(_tp.WeightNumel).ToArray();
        _fc = new FullyConnectedNet(hs, nn.SiLU(), dtype: dtype);
        _lin2 = new FullyConnectedTensorProduct(spec.Out, irrepsNodeAttr, irrepsOut, dtype: dtype);
        _midDim = spec.Out.Dim;
        _messageScale = 1.0 / Math.Sqrt(numNeighbors);
        using (no_grad())
        {
            var m = _sc.OutputMask;
            using var one = 1.0.ToScalar();
            using var cosPiOver8 = Math.Cos(Math.PI / 8).ToScalar();
            _convWeight = m.neg().add(one).add(m.mul(cosPiOver8)).detach().clone();
        }

        RegisterComponents();
    }

    /// <summary>Irreps of the node features.</summary>
    public Irreps IrrepsIn { get; }

    /// <summary>Irreps of the node attributes.</summary>
    public Irreps IrrepsNodeAttr { get; }

    /// <summary>Irreps of the edge attributes.</summary>
    public Irreps IrrepsEdgeAttr { get; }

    /// <summary>Irreps of the output.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>Width of the edge length embedding.</summary>
    public int NumberOfBasis { get; }

    /// <summary>Typical number of neighbours.</summary>
    public double NumNeighbors { get; }

    /// <summary>Runs the convolution.</summary>
    /// <param name="nodeInput">Node features <c>[N, IrrepsIn.Dim]</c>.</param>
    /// <param name="nodeAttr">Node attributes <c>[N, IrrepsNodeAttr.Dim]</c>.</param>
    /// <param name="edgeIndex">int64 <c>[2, E]</c>: row 0 the source, row 1 the destination of each edge.</param>
    /// <param name="edgeAttr">Edge attributes <c>[E, IrrepsEdgeAttr.Dim]</c>.</param>
    /// <param name="edgeLengthEmbedded">Edge length embedding <c>[E, NumberOfBasis]</c>.</param>
    /// <returns><c>[N, IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor nodeInput, Tensor nodeAttr, Tensor edgeIndex, Tensor edgeAttr,
        Tensor edgeLengthEmbedded)
    {
        var weight = _fc.forward(edgeLengthEmbedded);
        var s = _sc.forward(nodeInput, nodeAttr);
        var x = _lin1.forward(nodeInput, nodeAttr);
        var edgeSrc = edgeIndex.select(0, 0);
        var edgeDst = edgeIndex.select(0, 1);
        var edgeFeatures = _tp.forward(x.index_select(0, edgeSrc), edgeAttr, weight);
        // e3nn's scatter (sum over edges into dim_size = N rows), then / sqrt(num_neighbors).
        using var one = 1.ToScalar();
        using var messageScale = _messageScale.ToScalar();
        using var selfWeight = _selfWeight.ToScalar();
        var summed = zeros_like(x.narrow(1, 0, 1)).expand(-1, _midDim).index_add(0, edgeDst, edgeFeatures, one);
        var y = _lin2.forward(summed * messageScale, nodeAttr);
        return s * selfWeight + y * _convWeight;
    }

    /// <summary>Random graphs: 3 to 7 nodes, random edges, random features.</summary>
    /// <param name="n">How many input tuples.</param>
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var (dtype, device) = IrrepsModuleInputs.DtypeAndDevice(this);
        var list = new List<Tensor[]>();
        for (var k = 0; k < Math.Max(1, n); k++)
        {
            var nodes = Random.Shared.Next(3, 8);
            var edges = Random.Shared.Next(1, 3 * nodes);
            list.Add(
            [
                IrrepsIn.Randn([nodes, -1], dtype, device),
                IrrepsNodeAttr.Randn([nodes, -1], dtype, device),
                randint(nodes, [2, edges], dtype: ScalarType.Int64, device: device),
                IrrepsEdgeAttr.Randn([edges, -1], dtype, device),
                randn([edges, NumberOfBasis], dtype: dtype, device: device),
            ]);
        }

        return list;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Convolution({IrrepsIn} x {IrrepsNodeAttr} x {IrrepsEdgeAttr} -> {IrrepsOut})";
}
