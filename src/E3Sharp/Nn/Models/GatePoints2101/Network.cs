using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn.Models.GatePoints2101;

/// <summary>
/// e3nn's point-cloud network of January 2021 (<c>e3nn.nn.models.gate_points_2101.Network</c>): a radius graph of the
/// points, edge attributes <c>h(r / max_radius) Y(r̂)</c> (smooth cutoff times spherical harmonics), a Gaussian
/// embedding of the edge lengths, then <c>layers</c> × (<see cref="Convolution"/> + <see cref="Gate"/>)
/// and a last <see cref="Convolution"/>; with <see cref="ReduceOutput"/> the node outputs of each point cloud are
/// summed and divided by <c>√num_nodes</c>. Equivariant to E(3) (O(3) with parities in the irreps).
/// </summary>
/// <remarks>
/// e3nn's forward takes a dict (<c>pos</c>, optional <c>x</c>, <c>z</c>, <c>batch</c>); this one takes the four
/// tensors: <c>pos</c> <c>[N, 3]</c>, <c>x</c> (ignored, pass <c>ones [N, 1]</c>, when <c>irrepsIn</c> is null, as
/// e3nn then uses ones), <c>z</c> (likewise for <c>irrepsNodeAttr</c>) and <c>batch</c> int64 <c>[N]</c>. Parameter
/// names are e3nn's (<c>layers.0.first.sc.weight</c>, ...), so e3nn's state dict loads (<c>strict: false</c>: this
/// module also keeps each convolution's derived <c>conv_weight</c> buffer). The radius graph is
/// <see cref="GraphOps.RadiusGraph"/> (e3nn's naive search: pairs closer than <c>max_radius</c>, no cap unless
/// <c>maxNumNeighbors</c> is given). Scripted, so the compiled module takes point clouds of any size.
/// </remarks>
/// <example>
/// e3nn's own example (its test fixture):
/// <code>
/// var net = new Network("3x0e + 2x1o", "5x0e + 5x0o + 5x1e + 5x1o", "2x0o + 2x1o + 2x2e", "10x0e",
///     Irreps.SphericalHarmonics(3), layers: 3, maxRadius: 2.0, numberOfBasis: 5, radialLayers: 2,
///     radialNeurons: 100, numNeighbors: 4.0, numNodes: 5);
/// var y = net.forward(pos, x, z, batch);          // [number of point clouds, 2x0o+2x1o+2x2e]
/// var compiled = TorchScript.Compile(net);
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class Network : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>, ITracingInputs, IInputContract
{
    [ComponentName(Name = "radius_graph")]
    private readonly RadiusGraph _radiusGraph;

    [ComponentName(Name = "sh")]
    private readonly SphericalHarmonics _sh;

    [ComponentName(Name = "embedding")]
    private readonly SoftOneHotLinspace _embedding;

    [ComponentName(Name = "layers")]
    private readonly ModuleList<nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>> _layers;

    private readonly double _embeddingScale;
    private readonly double _outputScale;
    private readonly double _maxRadius;
    private readonly bool _inputHasNodeIn;
    private readonly bool _inputHasNodeAttr;
    private readonly bool _reduceOutput;

    /// <summary>Builds the network (e3nn's arguments, in e3nn's order).</summary>
    /// <param name="irrepsIn">Irreps of the node input features, or null (no input features: ones are used).</param>
    /// <param name="irrepsHidden">Irreps of the hidden features (those no path reaches are dropped, as in e3nn).</param>
    /// <param name="irrepsOut">Irreps of the output.</param>
    /// <param name="irrepsNodeAttr">Irreps of the node attributes, or null (<c>0e</c>, ones).</param>
    /// <param name="irrepsEdgeAttr">Irreps of the edge spherical harmonics (e3nn: <c>Irreps.spherical_harmonics(lmax)</c>).</param>
    /// <param name="layers">Number of gates (nonlinearities).</param>
    /// <param name="maxRadius">Cutoff radius of the convolutions.</param>
    /// <param name="numberOfBasis">Number of Gaussians the edge lengths are embedded on.</param>
    /// <param name="radialLayers">Hidden layers of each radial network.</param>
    /// <param name="radialNeurons">Neurons per hidden layer of each radial network.</param>
    /// <param name="numNeighbors">Typical number of neighbours within <paramref name="maxRadius"/>.</param>
    /// <param name="numNodes">Typical number of nodes of a graph (the reduced output is divided by its square root).</param>
    /// <param name="reduceOutput">Whether to sum the node outputs per point cloud.</param>
    /// <param name="maxNumNeighbors">Cap on the neighbours per point (default: none, as e3nn's radius graph).</param>
    /// <param name="dtype">Dtype of the parameters (default: torch's default dtype).</param>
    public Network(Irreps? irrepsIn, Irreps irrepsHidden, Irreps irrepsOut, Irreps? irrepsNodeAttr, Irreps irrepsEdgeAttr,
        int layers, double maxRadius, int numberOfBasis, int radialLayers, int radialNeurons, double numNeighbors,
        double numNodes, bool reduceOutput = true, int maxNumNeighbors = 1 << 30, ScalarType? dtype = null)
        : base(nameof(Network))
    {
        ArgumentNullException.ThrowIfNull(irrepsHidden);
        ArgumentNullException.ThrowIfNull(irrepsOut);
        ArgumentNullException.ThrowIfNull(irrepsEdgeAttr);
        ArgumentOutOfRangeException.ThrowIfNegative(layers);
        if (!(maxRadius > 0) || !(numNodes > 0))
        {
            throw new ArgumentException($"Network: maxRadius ({maxRadius}) and numNodes ({numNodes}) must be positive.");
        }

        IrrepsIn = irrepsIn;
        IrrepsHidden = irrepsHidden;
        IrrepsOut = irrepsOut;
        IrrepsNodeAttr = irrepsNodeAttr ?? new Irreps("0e");
        IrrepsEdgeAttr = irrepsEdgeAttr;
        MaxRadius = maxRadius;
        NumberOfBasis = numberOfBasis;
        NumNodes = numNodes;
        _maxRadius = maxRadius;
        _inputHasNodeIn = irrepsIn is not null;
        _inputHasNodeAttr = irrepsNodeAttr is not null;
        _reduceOutput = reduceOutput;
        _embeddingScale = Math.Sqrt(numberOfBasis);
        _outputScale = 1.0 / Math.Sqrt(numNodes);

        _radiusGraph = new RadiusGraph(maxRadius, maxNumNeighbors);
        _sh = new SphericalHarmonics(irrepsEdgeAttr, normalize: true, normalization: "component");
        _embedding = new SoftOneHotLinspace(0.0, maxRadius, numberOfBasis, "gaussian", cutoff: false);

        var irreps = irrepsIn ?? new Irreps("0e");
        var even = new Irrep(0, 1);
        _layers = new ModuleList<nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>>();
        for (var k = 0; k < layers; k++)
        {
            var current = irreps;
            var scalars = new Irreps(irrepsHidden.Where(m => m.Ir.L == 0 && PathExists(current, irrepsEdgeAttr, m.Ir)));
            var gated = new Irreps(irrepsHidden.Where(m => m.Ir.L > 0 && PathExists(current, irrepsEdgeAttr, m.Ir)));
            var gateIr = PathExists(current, irrepsEdgeAttr, even) ? even : new Irrep(0, -1);
            var gates = new Irreps(gated.Select(m => new MulIr(m.Mul, gateIr)));
            var gate = new Gate(scalars, scalars.Select(m => Act(m.Ir)).ToList(), gates,
                gates.Select(m => ActGate(m.Ir)).ToList(), gated, dtype);
            var conv = new Convolution(irreps, IrrepsNodeAttr, irrepsEdgeAttr, gate.IrrepsIn[0], numberOfBasis,
                radialLayers, radialNeurons, numNeighbors, dtype);
            irreps = gate.IrrepsOut;
            _layers.Add(new Compose(conv, gate));
        }

        _layers.Add(new Convolution(irreps, IrrepsNodeAttr, irrepsEdgeAttr, irrepsOut, numberOfBasis, radialLayers,
            radialNeurons, numNeighbors, dtype));
        RegisterComponents();
    }

    /// <summary>Irreps of the node input features (null: none, ones are used).</summary>
    public Irreps? IrrepsIn { get; }

    /// <summary>Irreps of the hidden features asked for.</summary>
    public Irreps IrrepsHidden { get; }

    /// <summary>Irreps of the output.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>Irreps of the node attributes (<c>0e</c> when none were given).</summary>
    public Irreps IrrepsNodeAttr { get; }

    /// <summary>Irreps of the edge attributes.</summary>
    public Irreps IrrepsEdgeAttr { get; }

    /// <summary>Cutoff radius.</summary>
    public double MaxRadius { get; }

    /// <summary>Number of Gaussians of the edge length embedding.</summary>
    public int NumberOfBasis { get; }

    /// <summary>Typical number of nodes per graph.</summary>
    public double NumNodes { get; }

    /// <summary>Whether node outputs are summed per point cloud.</summary>
    public bool ReduceOutput => _reduceOutput;

    /// <summary>The layers: <see cref="Compose"/> (convolution + gate) modules, then the last <see cref="Convolution"/>.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>> Layers => _layers.ToArray();

    /// <summary>Evaluates the network.</summary>
    /// <param name="pos">Positions <c>[N, 3]</c>.</param>
    /// <param name="x">Node features <c>[N, IrrepsIn.Dim]</c> (ignored when <see cref="IrrepsIn"/> is null: pass
    /// <c>ones [N, 1]</c>).</param>
    /// <param name="z">Node attributes <c>[N, IrrepsNodeAttr.Dim]</c> (ignored when none were given: pass
    /// <c>ones [N, 1]</c>).</param>
    /// <param name="batch">int64 <c>[N]</c>: the point cloud of each point (0, 1, ...).</param>
    /// <returns><c>[number of point clouds, IrrepsOut.Dim]</c> with <see cref="ReduceOutput"/>, else <c>[N, IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor pos, Tensor x, Tensor z, Tensor batch)
    {
        InputContract.Check(this, pos, x, z, batch);
        var edgeIndex = _radiusGraph.forward(pos, batch);
        var edgeSrc = edgeIndex.select(0, 0);
        var edgeDst = edgeIndex.select(0, 1);
        var edgeVec = pos.index_select(0, edgeSrc) - pos.index_select(0, edgeDst);
        var edgeSh = _sh.forward(edgeVec);
        var edgeLength = (edgeVec * edgeVec).sum(new long[] { 1 }).sqrt();
        using var embeddingScale = _embeddingScale.ToScalar();
        var edgeLengthEmbedded = _embedding.forward(edgeLength) * embeddingScale;
        using var maxRadius = _maxRadius.ToScalar();
        var edgeAttr = SmoothCutoff(edgeLength / maxRadius).unsqueeze(1) * edgeSh;
        var h = _inputHasNodeIn ? x : ones_like(pos.narrow(1, 0, 1));
        var attr = _inputHasNodeAttr ? z : ones_like(pos.narrow(1, 0, 1));
        foreach (var layer in _layers)
        {
            h = layer.forward(h, attr, edgeIndex, edgeAttr, edgeLengthEmbedded);
        }

        // One return (the scripted branch on the constant _reduceOutput keeps only the branch taken).
        var result = h;
        if (_reduceOutput)
        {
            var clouds = batch.max().item<long>() + 1;
            using var one = 1.ToScalar();
            using var outputScale = _outputScale.ToScalar();
            var total = zeros_like(h.narrow(0, 0, 1)).expand(clouds, -1).index_add(0, batch, h, one);
            result = total * outputScale;
        }

        return result;
    }

    // e3nn's smooth_cutoff: (1 - cos(π u)) / 2 with u = 2 (x - 1), 0 for u > 0 and 1 for u < -1.
    private Tensor SmoothCutoff(Tensor x)
    {
        using var zero = 0.0.ToScalar();
        using var one = 1.0.ToScalar();
        using var minusOne = (-1.0).ToScalar();
        using var two = 2.0.ToScalar();
        using var pi = Math.PI.ToScalar();
        var u = (x - one) * two;
        var y = (u * pi).cos().neg().add(one).div(two);
        y = where(u > zero, zeros_like(y), y);
        return where(u < minusOne, ones_like(y), y);
    }

    private static nn.Module<Tensor, Tensor>? Act(Irrep ir) => ir.P == 1 ? nn.SiLU() : nn.Tanh();

    private static nn.Module<Tensor, Tensor>? ActGate(Irrep ir) => ir.P == 1 ? nn.Sigmoid() : nn.Tanh();

    private static bool PathExists(Irreps a, Irreps b, Irrep target) =>
        a.Simplify().Any(x => b.Simplify().Any(y => (x.Ir * y.Ir).Contains(target)));

    /// <summary>Random point clouds (e3nn's test: 3 to 7 points of <c>randn</c>), one or two clouds.</summary>
    /// <param name="n">How many input tuples.</param>
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var (dtype, device) = IrrepsModuleInputs.DtypeAndDevice(this);
        var list = new List<Tensor[]>();
        for (var k = 0; k < Math.Max(1, n); k++)
        {
            var nodes = Random.Shared.Next(3, 8);
            var pos = randn([nodes, 3], dtype: dtype, device: device);
            var x = IrrepsIn is { } irrepsIn ? irrepsIn.Randn([nodes, -1], dtype, device) : ones([nodes, 1], dtype: dtype, device: device);
            var z = _inputHasNodeAttr ? IrrepsNodeAttr.Randn([nodes, -1], dtype, device) : ones([nodes, 1], dtype: dtype, device: device);
            using var start = 0.ToScalar();
            using var end = nodes.ToScalar();
            using var step = 1.ToScalar();
            using var half = (nodes / 2).ToScalar();
            var batch = k % 2 == 0
                ? zeros([nodes], dtype: ScalarType.Int64, device: device)
                : arange(start, end, step, dtype: ScalarType.Int64, device: device).ge(half).to(ScalarType.Int64);
            list.Add([pos, x, z, batch]);
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
        IrrepsIn is { } irrepsIn ? ModuleChecks.Input("x", irrepsIn) : new InputSpec("x", 1, "last dimension 1 (ones: no input irreps)", MinRank: 2),
        _inputHasNodeAttr ? ModuleChecks.Input("z", IrrepsNodeAttr) : new InputSpec("z", 1, "last dimension 1 (ones: no node attributes)", MinRank: 2),
        new InputSpec("batch", InputSpec.AnyLastDimension, "shape [N]", Batched: false) { RequiredDtype = "Int64" },
    ]) { Floating = false };

    /// <inheritdoc />
    public override string ToString() =>
        $"Network({(IrrepsIn?.ToString() ?? "None")} -> {IrrepsOut}, hidden {IrrepsHidden}, layers {_layers.Count - 1})";
}
