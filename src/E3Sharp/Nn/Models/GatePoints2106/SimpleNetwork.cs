using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn.Models.GatePoints2106;

/// <summary>
/// e3nn's <c>nn.models.v2106.gate_points_networks.SimpleNetwork</c>: the standard "points → equivariant features"
/// network. A radius graph of the points, edge attributes <c>Y(r̂)</c> (spherical harmonics up to <c>lmax</c>,
/// component normalisation), a <c>smooth_finite</c> embedding of the edge lengths on 10 functions (times √10; it
/// vanishes at <c>max_radius</c>), node attributes 1 (<c>0e</c>), then a <see cref="MessagePassing"/> through
/// <c>layers</c> hidden layers of <c>mul</c> copies of every irrep up to <c>lmax</c> (both parities); with
/// <see cref="PoolNodes"/> the node outputs of each point cloud are summed and divided by <c>√num_nodes</c>.
/// </summary>
/// <remarks>
/// e3nn's forward takes a dict (<c>pos</c>, <c>x</c>, optional <c>batch</c>); this one takes the three tensors
/// <c>pos</c> <c>[N, 3]</c>, <c>x</c> <c>[N, IrrepsIn.Dim]</c> and <c>batch</c> int64 <c>[N]</c> (pass zeros for one
/// point cloud, as e3nn does without <c>batch</c>); the compiled module's <c>forward</c> takes the same three tensors.
/// Parameter names are e3nn's (<c>mp.layers.0.first.sc.weight</c>, ...), so e3nn's state dict loads (<c>strict:
/// false</c>: each convolution also keeps its <c>sc_mask</c> buffer). The radius graph is
/// <see cref="Nn.RadiusGraph"/> without a neighbour cap (e3nn's naive search: pairs closer than <c>max_radius</c>, the
/// same edges in another order). Scripted, so the compiled module takes point clouds of any size.
/// </remarks>
/// <example>
/// e3nn's test:
/// <code>
/// var net = new SimpleNetwork("3x0e + 2x1o", "4x0e + 1x1o", maxRadius: 2.0, numNeighbors: 3.0, numNodes: 5.0);
/// var y = net.forward(pos, x, zeros(5, dtype: ScalarType.Int64));   // [1, 4x0e+1x1o]
/// var compiled = TorchScript.Compile(net);
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class SimpleNetwork : nn.Module<Tensor, Tensor, Tensor, Tensor>, ITracingInputs, IInputContract
{
    [ComponentName(Name = "radius_graph")]
    private readonly RadiusGraph _radiusGraph;

    [ComponentName(Name = "sh")]
    private readonly SphericalHarmonics _sh;

    [ComponentName(Name = "embedding")]
    private readonly SoftOneHotLinspace _embedding;

    [ComponentName(Name = "mp")]
    private readonly MessagePassing _mp;

    private readonly double _embeddingScale;
    private readonly double _outputScale;
    private readonly bool _poolNodes;

    /// <summary>Builds the network (e3nn's arguments, in e3nn's order, with e3nn's defaults).</summary>
    /// <param name="irrepsIn">Irreps of the node input features.</param>
    /// <param name="irrepsOut">Irreps of the output.</param>
    /// <param name="maxRadius">Cutoff radius of the graph.</param>
    /// <param name="numNeighbors">Typical number of neighbours within <paramref name="maxRadius"/>.</param>
    /// <param name="numNodes">Typical number of nodes of a point cloud (the pooled output is divided by its square root).</param>
    /// <param name="mul">Multiplicity of each hidden irrep.</param>
    /// <param name="layers">Number of hidden layers (gates).</param>
    /// <param name="lmax">Largest degree of the edge spherical harmonics and of the hidden irreps.</param>
    /// <param name="poolNodes">Whether to sum the node outputs per point cloud.</param>
    /// <param name="dtype">Dtype of the parameters (default: torch's default dtype).</param>
    public SimpleNetwork(Irreps irrepsIn, Irreps irrepsOut, double maxRadius, double numNeighbors, double numNodes,
        int mul = 50, int layers = 3, int lmax = 2, bool poolNodes = true, ScalarType? dtype = null)
        : base(nameof(SimpleNetwork))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(irrepsOut);
        ArgumentOutOfRangeException.ThrowIfNegative(layers);
        ArgumentOutOfRangeException.ThrowIfNegative(lmax);
        ArgumentOutOfRangeException.ThrowIfLessThan(mul, 1);
        if (!(maxRadius > 0) || !(numNodes > 0) || !(numNeighbors > 0))
        {
            throw new ArgumentException($"SimpleNetwork: maxRadius ({maxRadius}), numNeighbors ({numNeighbors}) and " +
                $"numNodes ({numNodes}) must be positive.");
        }

        Lmax = lmax;
        MaxRadius = maxRadius;
        NumNodes = numNodes;
        _poolNodes = poolNodes;
        _embeddingScale = Math.Sqrt(NumberOfBasis);
        _outputScale = 1.0 / Math.Sqrt(numNodes);
        var hidden = new Irreps(Enumerable.Range(0, lmax + 1)
            .SelectMany(l => new[] { -1, 1 }.Select(p => new MulIr(mul, new Irrep(l, p)))));
        var irrepsEdgeAttr = Irreps.SphericalHarmonics(lmax);
        _radiusGraph = new RadiusGraph(maxRadius, 1 << 30);
        _sh = new SphericalHarmonics(irrepsEdgeAttr, normalize: true, normalization: "component");
        // smooth_finite with cutoff vanishes at max_radius: no extra cutoff needed (e3nn's comment).
        _embedding = new SoftOneHotLinspace(0.0, maxRadius, NumberOfBasis, "smooth_finite", cutoff: true);
        _mp = new MessagePassing(new[] { irrepsIn }.Concat(Enumerable.Repeat(hidden, layers)).Append(irrepsOut).ToList(),
            "0e", irrepsEdgeAttr, new[] { NumberOfBasis, 100 }, numNeighbors, dtype);
        RegisterComponents();
    }

    /// <summary>Number of functions of the edge length embedding (e3nn: 10).</summary>
    public int NumberOfBasis => 10;

    /// <summary>Largest degree of the spherical harmonics and hidden irreps.</summary>
    public int Lmax { get; }

    /// <summary>Cutoff radius.</summary>
    public double MaxRadius { get; }

    /// <summary>Typical number of nodes per point cloud.</summary>
    public double NumNodes { get; }

    /// <summary>Whether node outputs are summed per point cloud.</summary>
    public bool PoolNodes => _poolNodes;

    /// <summary>Irreps of the node input features.</summary>
    public Irreps IrrepsIn => _mp.IrrepsNodeInput;

    /// <summary>Irreps of the output.</summary>
    public Irreps IrrepsOut => _mp.IrrepsNodeOutput;

    /// <summary>The message passing layers.</summary>
    public MessagePassing Mp => _mp;

    /// <summary>Evaluates the network.</summary>
    /// <param name="pos">Positions <c>[N, 3]</c>.</param>
    /// <param name="x">Node features <c>[N, IrrepsIn.Dim]</c>.</param>
    /// <param name="batch">int64 <c>[N]</c>: the point cloud of each point (0, 1, ...; zeros for one cloud).</param>
    /// <returns><c>[number of point clouds, IrrepsOut.Dim]</c> with <see cref="PoolNodes"/>, else <c>[N, IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor pos, Tensor x, Tensor batch)
    {
        InputContract.Check(this, pos, x, batch);
        var edgeIndex = _radiusGraph.forward(pos, batch);
        var edgeSrc = edgeIndex.select(0, 0);
        var edgeDst = edgeIndex.select(0, 1);
        var edgeVec = pos.index_select(0, edgeSrc) - pos.index_select(0, edgeDst);
        var edgeAttr = _sh.forward(edgeVec);
        var edgeLength = (edgeVec * edgeVec).sum(new long[] { 1 }).sqrt();
        using var embeddingScale = _embeddingScale.ToScalar();
        var edgeLengthEmbedding = _embedding.forward(edgeLength) * embeddingScale;
        // Node attributes are not used here (e3nn: ones).
        var nodeAttr = ones_like(x.narrow(1, 0, 1));
        var nodeOutputs = _mp.forward(x, nodeAttr, edgeSrc, edgeDst, edgeAttr, edgeLengthEmbedding);

        // One return (the scripted branch on the constant _poolNodes keeps only the branch taken).
        var result = nodeOutputs;
        if (_poolNodes)
        {
            var clouds = batch.max().item<long>() + 1;
            using var one = 1.ToScalar();
            using var outputScale = _outputScale.ToScalar();
            var total = zeros_like(nodeOutputs.narrow(0, 0, 1)).expand(clouds, -1).index_add(0, batch, nodeOutputs, one);
            result = total * outputScale;
        }

        return result;
    }

    /// <summary>Random point clouds (e3nn's test: <c>randn</c> positions), one or two clouds of 3 to 7 points.</summary>
    /// <param name="n">How many input tuples.</param>
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var (dtype, device) = IrrepsModuleInputs.DtypeAndDevice(this);
        var list = new List<Tensor[]>();
        for (var k = 0; k < Math.Max(1, n); k++)
        {
            var nodes = Random.Shared.Next(3, 8);
            var pos = randn([nodes, 3], dtype: dtype, device: device);
            using var start = 0.ToScalar();
            using var end = nodes.ToScalar();
            using var step = 1.ToScalar();
            using var half = (nodes / 2).ToScalar();
            var batch = k % 2 == 0
                ? zeros([nodes], dtype: ScalarType.Int64, device: device)
                : arange(start, end, step, dtype: ScalarType.Int64, device: device).ge(half).to(ScalarType.Int64);
            list.Add([pos, IrrepsIn.Randn([nodes, -1], dtype, device), batch]);
        }

        return list;
    }

    /// <summary>Point clouds fix the last dimension of every input.</summary>
    public bool FixedLastDimension => true;

    private InputContract? _contract;

    /// <summary>What <c>forward</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new(ToString(),
    [
        new InputSpec("pos", 3, "last dimension 3 (positions)", MinRank: 2),
        ModuleChecks.Input("x", IrrepsIn),
        new InputSpec("batch", InputSpec.AnyLastDimension, "shape [N]", Batched: false) { RequiredDtype = "Int64" },
    ]) { Floating = false };

    /// <inheritdoc />
    public override string ToString() =>
        $"SimpleNetwork({IrrepsIn} -> {IrrepsOut}, lmax {Lmax}, layers {_mp.Layers.Count - 1})";
}
