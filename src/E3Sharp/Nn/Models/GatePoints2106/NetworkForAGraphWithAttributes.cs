using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn.Models.GatePoints2106;

/// <summary>
/// e3nn's <c>nn.models.v2106.gate_points_networks.NetworkForAGraphWithAttributes</c>: a
/// <see cref="MessagePassing"/> over a given graph whose nodes carry input features and attributes and whose edges
/// carry attributes. The edge attributes are the given ones followed by the spherical harmonics <c>Y(r̂)</c> of the
/// edge vectors up to <c>lmax</c> (component normalisation); the edge lengths are embedded on 10
/// <c>smooth_finite</c> functions (times √10). With <see cref="PoolNodes"/> the node outputs of each graph are summed
/// and divided by <c>√num_nodes</c>.
/// </summary>
/// <remarks>
/// e3nn's forward takes a dict (<c>pos</c>, <c>edge_index</c>, <c>x</c> or <c>node_input</c>, <c>node_attr</c>,
/// <c>edge_attr</c>, optional <c>batch</c>); this one takes the six tensors <c>pos</c> <c>[N, 3]</c>,
/// <c>nodeInput</c>, <c>nodeAttr</c>, <c>edgeIndex</c> int64 <c>[2, E]</c> (row 0 source, row 1 destination),
/// <c>edgeAttr</c> <c>[E, IrrepsEdgeAttr.Dim]</c> and <c>batch</c> int64 <c>[N]</c> (zeros for one graph); the
/// compiled module's <c>forward</c> takes the same six tensors. <c>edge_index</c> is required: e3nn's fallback (a
/// radius graph when the dict has no <c>edge_index</c>) needs <c>edge_attr</c> rows for edges the caller has not
/// seen; build them with <see cref="GraphOps.RadiusGraph(Tensor, double, Tensor?, int)"/> first. Parameter names are
/// e3nn's (<c>mp.layers.0.first.sc.weight</c>, ...; load with <c>strict: false</c>, see <see cref="Convolution"/>).
/// </remarks>
/// <example>
/// e3nn's test:
/// <code>
/// var net = new NetworkForAGraphWithAttributes("3x0e + 2x1o", "4x0e + 1x1o", "1e", "3x0o + 1e", maxRadius: 2.0,
///     numNeighbors: 3.0, numNodes: 5.0);
/// var edgeIndex = tensor(new long[] { 0, 1, 2, 1, 2, 0 }).reshape(2, 3);
/// var y = net.forward(pos, nodeInput, nodeAttr, edgeIndex, edgeAttr, zeros(3, dtype: ScalarType.Int64));   // [1, 3x0o+1e]
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class NetworkForAGraphWithAttributes : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>,
    ITracingInputs
{
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
    /// <param name="irrepsNodeInput">Irreps of the node input features.</param>
    /// <param name="irrepsNodeAttr">Irreps of the node attributes.</param>
    /// <param name="irrepsEdgeAttr">Irreps of the given edge attributes (the spherical harmonics are appended).</param>
    /// <param name="irrepsNodeOutput">Irreps of the output.</param>
    /// <param name="maxRadius">Where the edge length embedding vanishes.</param>
    /// <param name="numNeighbors">Typical number of neighbours of a node.</param>
    /// <param name="numNodes">Typical number of nodes of a graph (the pooled output is divided by its square root).</param>
    /// <param name="mul">Multiplicity of each hidden irrep.</param>
    /// <param name="layers">Number of hidden layers (gates).</param>
    /// <param name="lmax">Largest degree of the edge spherical harmonics and of the hidden irreps.</param>
    /// <param name="poolNodes">Whether to sum the node outputs per graph.</param>
    /// <param name="dtype">Dtype of the parameters (default: torch's default dtype).</param>
    public NetworkForAGraphWithAttributes(Irreps irrepsNodeInput, Irreps irrepsNodeAttr, Irreps irrepsEdgeAttr,
        Irreps irrepsNodeOutput, double maxRadius, double numNeighbors, double numNodes, int mul = 50, int layers = 3,
        int lmax = 2, bool poolNodes = true, ScalarType? dtype = null)
        : base(nameof(NetworkForAGraphWithAttributes))
    {
        ArgumentNullException.ThrowIfNull(irrepsNodeInput);
        ArgumentNullException.ThrowIfNull(irrepsNodeAttr);
        ArgumentNullException.ThrowIfNull(irrepsEdgeAttr);
        ArgumentNullException.ThrowIfNull(irrepsNodeOutput);
        ArgumentOutOfRangeException.ThrowIfNegative(layers);
        ArgumentOutOfRangeException.ThrowIfNegative(lmax);
        ArgumentOutOfRangeException.ThrowIfLessThan(mul, 1);
        if (!(maxRadius > 0) || !(numNodes > 0) || !(numNeighbors > 0))
        {
            throw new ArgumentException($"NetworkForAGraphWithAttributes: maxRadius ({maxRadius}), numNeighbors " +
                $"({numNeighbors}) and numNodes ({numNodes}) must be positive.");
        }

        Lmax = lmax;
        MaxRadius = maxRadius;
        NumNodes = numNodes;
        IrrepsEdgeAttr = irrepsEdgeAttr;
        _poolNodes = poolNodes;
        _embeddingScale = Math.Sqrt(NumberOfBasis);
        _outputScale = 1.0 / Math.Sqrt(numNodes);
        var hidden = new Irreps(Enumerable.Range(0, lmax + 1)
            .SelectMany(l => new[] { -1, 1 }.Select(p => new MulIr(mul, new Irrep(l, p)))));
        var sh = Irreps.SphericalHarmonics(lmax);
        _sh = new SphericalHarmonics(sh, normalize: true, normalization: "component");
        _embedding = new SoftOneHotLinspace(0.0, maxRadius, NumberOfBasis, "smooth_finite", cutoff: true);
        _mp = new MessagePassing(
            new[] { irrepsNodeInput }.Concat(Enumerable.Repeat(hidden, layers)).Append(irrepsNodeOutput).ToList(),
            irrepsNodeAttr, irrepsEdgeAttr + sh, new[] { NumberOfBasis, 100 }, numNeighbors, dtype);
        RegisterComponents();
    }

    /// <summary>Number of functions of the edge length embedding (e3nn: 10).</summary>
    public int NumberOfBasis => 10;

    /// <summary>Largest degree of the spherical harmonics and hidden irreps.</summary>
    public int Lmax { get; }

    /// <summary>Where the edge length embedding vanishes.</summary>
    public double MaxRadius { get; }

    /// <summary>Typical number of nodes per graph.</summary>
    public double NumNodes { get; }

    /// <summary>Whether node outputs are summed per graph.</summary>
    public bool PoolNodes => _poolNodes;

    /// <summary>Irreps of the node input features.</summary>
    public Irreps IrrepsNodeInput => _mp.IrrepsNodeInput;

    /// <summary>Irreps of the node attributes.</summary>
    public Irreps IrrepsNodeAttr => _mp.IrrepsNodeAttr;

    /// <summary>Irreps of the given edge attributes (without the spherical harmonics).</summary>
    public Irreps IrrepsEdgeAttr { get; }

    /// <summary>Irreps of the output.</summary>
    public Irreps IrrepsNodeOutput => _mp.IrrepsNodeOutput;

    /// <summary>The message passing layers.</summary>
    public MessagePassing Mp => _mp;

    /// <summary>Evaluates the network.</summary>
    /// <param name="pos">Positions <c>[N, 3]</c>.</param>
    /// <param name="nodeInput">Node features <c>[N, IrrepsNodeInput.Dim]</c>.</param>
    /// <param name="nodeAttr">Node attributes <c>[N, IrrepsNodeAttr.Dim]</c>.</param>
    /// <param name="edgeIndex">int64 <c>[2, E]</c>: row 0 the source, row 1 the destination of each edge.</param>
    /// <param name="edgeAttr">Edge attributes <c>[E, IrrepsEdgeAttr.Dim]</c>.</param>
    /// <param name="batch">int64 <c>[N]</c>: the graph of each node (zeros for one graph).</param>
    /// <returns><c>[number of graphs, IrrepsNodeOutput.Dim]</c> with <see cref="PoolNodes"/>, else
    /// <c>[N, IrrepsNodeOutput.Dim]</c>.</returns>
    public override Tensor forward(Tensor pos, Tensor nodeInput, Tensor nodeAttr, Tensor edgeIndex, Tensor edgeAttr,
        Tensor batch)
    {
        CheckInputs(pos, nodeInput, nodeAttr, edgeIndex, edgeAttr, batch);
        var edgeSrc = edgeIndex.select(0, 0);
        var edgeDst = edgeIndex.select(0, 1);
        var edgeVec = pos.index_select(0, edgeSrc) - pos.index_select(0, edgeDst);
        var edgeSh = _sh.forward(edgeVec);
        var allEdgeAttr = cat(new[] { edgeAttr, edgeSh }, 1);
        var edgeLength = (edgeVec * edgeVec).sum(new long[] { 1 }).sqrt();
        using var embeddingScale = _embeddingScale.ToScalar();
        var edgeLengthEmbedding = _embedding.forward(edgeLength) * embeddingScale;
        var nodeOutputs = _mp.forward(nodeInput, nodeAttr, edgeSrc, edgeDst, allEdgeAttr, edgeLengthEmbedding);

        // One return (the scripted branch on the constant _poolNodes keeps only the branch taken).
        var result = nodeOutputs;
        if (_poolNodes)
        {
            var graphs = batch.max().item<long>() + 1;
            using var one = 1.ToScalar();
            using var outputScale = _outputScale.ToScalar();
            var total = zeros_like(nodeOutputs.narrow(0, 0, 1)).expand(graphs, -1).index_add(0, batch, nodeOutputs, one);
            result = total * outputScale;
        }

        return result;
    }

    /// <summary>Random graphs: 3 to 7 nodes with <c>randn</c> positions, random edges, one or two graphs.</summary>
    /// <param name="n">How many input tuples.</param>
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var (dtype, device) = IrrepsModuleInputs.DtypeAndDevice(this);
        var list = new List<Tensor[]>();
        for (var k = 0; k < Math.Max(1, n); k++)
        {
            var nodes = Random.Shared.Next(3, 8);
            var edges = Random.Shared.Next(1, 3 * nodes);
            using var start = 0.ToScalar();
            using var end = nodes.ToScalar();
            using var step = 1.ToScalar();
            using var half = (nodes / 2).ToScalar();
            var batch = k % 2 == 0
                ? zeros([nodes], dtype: ScalarType.Int64, device: device)
                : arange(start, end, step, dtype: ScalarType.Int64, device: device).ge(half).to(ScalarType.Int64);
            list.Add(
            [
                randn([nodes, 3], dtype: dtype, device: device),
                IrrepsNodeInput.Randn([nodes, -1], dtype, device),
                IrrepsNodeAttr.Randn([nodes, -1], dtype, device),
                randint(nodes, [2, edges], dtype: ScalarType.Int64, device: device),
                IrrepsEdgeAttr.Randn([edges, -1], dtype, device),
                batch,
            ]);
        }

        return list;
    }

    /// <summary>Graphs fix the last dimension of every input.</summary>
    public bool FixedLastDimension => true;

    // Node inputs have N rows and edge inputs E rows, which InputContract's broadcast rule cannot express: the rows,
    // dtypes and the edge index are checked here, eagerly; feature widths are left to the children's checks (which
    // the compiled module keeps, with the same messages).
    [EagerOnly]
    private void CheckInputs(Tensor pos, Tensor nodeInput, Tensor nodeAttr, Tensor edgeIndex, Tensor edgeAttr, Tensor batch)
    {
        var n = pos.dim() == 2 && pos.shape[1] == 3 ? pos.shape[0] : -1;
        void Require(bool ok, string name, string expected, Tensor t)
        {
            if (!ok)
            {
                throw new ArgumentException($"{this}: input '{name}' must have {expected}, got shape " +
                    $"{InputContract.ShapeText(t.shape)} and dtype {t.dtype}.", name);
            }
        }

        var dtype = pos.dtype;
        Require(n >= 0 && pos.is_floating_point(), "pos", "shape [N, 3] and a floating dtype", pos);
        Require(nodeInput.dim() == 2 && nodeInput.shape[0] == n && nodeInput.dtype == dtype, "nodeInput",
            $"shape [{n}, {IrrepsNodeInput.Dim}] ({IrrepsNodeInput}) and pos's dtype", nodeInput);
        Require(nodeAttr.dim() == 2 && nodeAttr.shape[0] == n && nodeAttr.dtype == dtype, "nodeAttr",
            $"shape [{n}, {IrrepsNodeAttr.Dim}] ({IrrepsNodeAttr}) and pos's dtype", nodeAttr);
        Require(edgeIndex.dim() == 2 && edgeIndex.shape[0] == 2 && edgeIndex.dtype == ScalarType.Int64, "edgeIndex",
            "shape [2, E] and dtype Int64", edgeIndex);
        var e = edgeIndex.shape[^1];
        Require(edgeAttr.dim() == 2 && edgeAttr.shape[0] == e && edgeAttr.dtype == dtype, "edgeAttr",
            $"shape [{e}, {IrrepsEdgeAttr.Dim}] ({IrrepsEdgeAttr}) and pos's dtype", edgeAttr);
        Require(batch.dim() == 1 && batch.shape[0] == n && batch.dtype == ScalarType.Int64, "batch",
            $"shape [{n}] and dtype Int64", batch);
        if (e > 0)
        {
            Require(edgeIndex.min().item<long>() >= 0 && edgeIndex.max().item<long>() < n, "edgeIndex",
                $"values in [0, {n})", edgeIndex);
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"NetworkForAGraphWithAttributes({IrrepsNodeInput} -> {IrrepsNodeOutput}, lmax {Lmax}, layers {_mp.Layers.Count - 1})";
}
