using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn.Models.GatePoints2106;

/// <summary>
/// The equivariant convolution of e3nn's <c>nn.models.v2106.points_convolution</c> (<c>Convolution</c>): a
/// self-connection <c>sc(x, attr)</c> plus <c>α · lin2(Σ_edges tp(lin1(x, attr)[src], edge_attr; fc(edge_scalars)) /
/// √num_neighbors, attr)</c>, where the scalar gate <c>α = alpha(conv, attr)</c> (zero weights at creation) replaces
/// v2101's fixed angle on the outputs the self-connection reaches, and is 1 elsewhere. Parameters and their names are
/// e3nn's (<c>sc.weight</c>, <c>lin1.weight</c>, <c>fc.layer0.weight</c>, ..., <c>lin2.weight</c>, <c>alpha.weight</c>),
/// so e3nn's state dict loads.
/// </summary>
/// <remarks>Scripted: node tensors have N rows and edge tensors E rows, which a trace's free batch dimensions cannot
/// tie together. The forward takes e3nn's six tensors in e3nn's order. The module keeps a copy of
/// <c>sc.output_mask</c> as its buffer <c>sc_mask</c> (not in e3nn's state dict: load it with <c>strict: false</c>).</remarks>
/// <example>
/// <code>
/// var conv = new Convolution("3x0e + 2x1o", "0e", Irreps.SphericalHarmonics(2), "4x0e + 1x1o",
///     fcNeurons: new[] { 10, 100 }, numNeighbors: 3.0);
/// var y = conv.forward(x, attr, edgeSrc, edgeDst, edgeAttr, edgeScalars);   // [N, 4x0e+1x1o]
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class Convolution : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>, ITracingInputs
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

    [ComponentName(Name = "alpha")]
    private readonly FullyConnectedTensorProduct _alpha;

    // e3nn's m = self.sc.output_mask, kept as this module's own buffer (the forward reads only its own fields).
    [ComponentName(Name = "sc_mask")]
    private readonly Tensor _scMask;

    private readonly double _messageScale;
    private readonly long _midDim;

    /// <summary>Creates the convolution (e3nn's arguments, in e3nn's order).</summary>
    /// <param name="irrepsNodeInput">Irreps of the input node features.</param>
    /// <param name="irrepsNodeAttr">Irreps of the node attributes.</param>
    /// <param name="irrepsEdgeAttr">Irreps of the edge attributes.</param>
    /// <param name="irrepsNodeOutput">Irreps of the output node features.</param>
    /// <param name="fcNeurons">Neurons of the radial network's input and hidden layers (its output layer is the
    /// tensor product's weights), e.g. <c>[number_of_basis, 100]</c>.</param>
    /// <param name="numNeighbors">Typical number of nodes convolved over (the summed messages are divided by its square root).</param>
    /// <param name="dtype">Dtype of the parameters (default: torch's default dtype).</param>
    /// <exception cref="ArgumentException">No path from the input and edge irreps to the output irreps, or none to a
    /// scalar for <c>alpha</c> (e3nn's assertions).</exception>
    public Convolution(Irreps irrepsNodeInput, Irreps irrepsNodeAttr, Irreps irrepsEdgeAttr, Irreps irrepsNodeOutput,
        IReadOnlyList<int> fcNeurons, double numNeighbors, ScalarType? dtype = null)
        : base(nameof(Convolution))
    {
        ArgumentNullException.ThrowIfNull(irrepsNodeInput);
        ArgumentNullException.ThrowIfNull(irrepsNodeAttr);
        ArgumentNullException.ThrowIfNull(irrepsEdgeAttr);
        ArgumentNullException.ThrowIfNull(irrepsNodeOutput);
        ArgumentNullException.ThrowIfNull(fcNeurons);
        if (fcNeurons.Count < 1 || fcNeurons.Any(h => h < 1))
        {
            throw new ArgumentException($"Convolution: fcNeurons must list at least the input width, all positive; got " +
                $"[{string.Join(", ", fcNeurons)}].", nameof(fcNeurons));
        }

        if (!(numNeighbors > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(numNeighbors), numNeighbors,
                "Convolution: the number of neighbours must be positive.");
        }

        IrrepsNodeInput = irrepsNodeInput;
        IrrepsNodeAttr = irrepsNodeAttr;
        IrrepsEdgeAttr = irrepsEdgeAttr;
        IrrepsNodeOutput = irrepsNodeOutput;
        FcNeurons = fcNeurons.ToArray();
        NumNeighbors = numNeighbors;
        _sc = new FullyConnectedTensorProduct(irrepsNodeInput, irrepsNodeAttr, irrepsNodeOutput, dtype: dtype);
        _lin1 = new FullyConnectedTensorProduct(irrepsNodeInput, irrepsNodeAttr, irrepsNodeInput, dtype: dtype);

        // e3nn: a "uvu" path to each output irrep in irreps_node_output or 0e; the mid irreps sorted, not simplified
        // (lin2's and alpha's weight layouts follow them).
        var even = new Irrep(0, 1);
        var spec = TensorProductSpec.ChannelWise(irrepsNodeInput, irrepsEdgeAttr,
            ir => irrepsNodeOutput.Contains(ir) || ir == even);
        if (spec.Out.Dim == 0)
        {
            throw new ArgumentException($"Convolution: irrepsNodeInput={irrepsNodeInput} times " +
                $"irrepsEdgeAttr={irrepsEdgeAttr} produces nothing in irrepsNodeOutput={irrepsNodeOutput}.");
        }

        _tp = new TensorProduct(irrepsNodeInput, irrepsEdgeAttr, spec.Out, spec.Instructions, internalWeights: false,
            sharedWeights: false, dtype: dtype);
        _fc = new FullyConnectedNet(fcNeurons.Append(_tp.WeightNumel).ToArray(), nn.SiLU(), dtype: dtype);
        _lin2 = new FullyConnectedTensorProduct(spec.Out, irrepsNodeAttr, irrepsNodeOutput, dtype: dtype);
        _alpha = new FullyConnectedTensorProduct(spec.Out, irrepsNodeAttr, new Irreps("0e"), dtype: dtype);
        if (_alpha.OutputMask[0].to(ScalarType.Float64).item<double>() != 1.0)
        {
            throw new ArgumentException($"Convolution: irreps_mid={spec.Out} and irrepsNodeAttr={irrepsNodeAttr} " +
                "are not able to generate scalars (needed for alpha).");
        }

        using (no_grad())
        {
            // e3nn's alpha starts at zero: the convolution enters only where the self-connection does not reach.
            _alpha.Weight.zero_();
            _scMask = _sc.OutputMask.detach().clone();
        }

        _midDim = spec.Out.Dim;
        _messageScale = 1.0 / Math.Sqrt(numNeighbors);
        RegisterComponents();
    }

    /// <summary>Irreps of the input node features.</summary>
    public Irreps IrrepsNodeInput { get; }

    /// <summary>Irreps of the node attributes.</summary>
    public Irreps IrrepsNodeAttr { get; }

    /// <summary>Irreps of the edge attributes.</summary>
    public Irreps IrrepsEdgeAttr { get; }

    /// <summary>Irreps of the output node features.</summary>
    public Irreps IrrepsNodeOutput { get; }

    /// <summary>Neurons of the radial network's input and hidden layers.</summary>
    public IReadOnlyList<int> FcNeurons { get; }

    /// <summary>Typical number of nodes convolved over.</summary>
    public double NumNeighbors { get; }

    /// <summary>Runs the convolution.</summary>
    /// <param name="nodeInput">Node features <c>[N, IrrepsNodeInput.Dim]</c>.</param>
    /// <param name="nodeAttr">Node attributes <c>[N, IrrepsNodeAttr.Dim]</c>.</param>
    /// <param name="edgeSrc">int64 <c>[E]</c>: the source node of each edge.</param>
    /// <param name="edgeDst">int64 <c>[E]</c>: the destination node of each edge.</param>
    /// <param name="edgeAttr">Edge attributes <c>[E, IrrepsEdgeAttr.Dim]</c>.</param>
    /// <param name="edgeScalars">Edge scalars (the radial network's input) <c>[E, FcNeurons[0]]</c>.</param>
    /// <returns><c>[N, IrrepsNodeOutput.Dim]</c>.</returns>
    public override Tensor forward(Tensor nodeInput, Tensor nodeAttr, Tensor edgeSrc, Tensor edgeDst, Tensor edgeAttr,
        Tensor edgeScalars)
    {
        var weight = _fc.forward(edgeScalars);
        var nodeSelfConnection = _sc.forward(nodeInput, nodeAttr);
        var nodeFeatures = _lin1.forward(nodeInput, nodeAttr);
        var edgeFeatures = _tp.forward(nodeFeatures.index_select(0, edgeSrc), edgeAttr, weight);
        // e3nn's scatter (sum over the edges into dim_size = N rows), then / sqrt(num_neighbors).
        using var one = 1.ToScalar();
        using var oneF = 1.0.ToScalar();
        using var messageScale = _messageScale.ToScalar();
        var summed = zeros_like(nodeFeatures.narrow(1, 0, 1)).expand(-1, _midDim).index_add(0, edgeDst, edgeFeatures, one);
        var mixed = summed * messageScale;
        var nodeConvOut = _lin2.forward(mixed, nodeAttr);
        var alpha = _alpha.forward(mixed, nodeAttr);
        var gate = _scMask.neg().add(oneF) + alpha * _scMask;
        return nodeSelfConnection + gate * nodeConvOut;
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
                IrrepsNodeInput.Randn([nodes, -1], dtype, device),
                IrrepsNodeAttr.Randn([nodes, -1], dtype, device),
                randint(nodes, [edges], dtype: ScalarType.Int64, device: device),
                randint(nodes, [edges], dtype: ScalarType.Int64, device: device),
                IrrepsEdgeAttr.Randn([edges, -1], dtype, device),
                randn([edges, FcNeurons[0]], dtype: dtype, device: device),
            ]);
        }

        return list;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Convolution({IrrepsNodeInput} x {IrrepsNodeAttr} x {IrrepsEdgeAttr} -> {IrrepsNodeOutput})";
}
