using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// One NequIP convolution layer (NequIP's <c>ConvNetLayer</c> around its <c>InteractionBlock</c>):
/// <code>
/// x   = linear_1(h)
/// m_e = TP(x[neighbour(e)], Y(edge e); w = radial(edge embedding))      ("uvu" paths, per-edge weights)
/// x   = linear_2(Σ_{e: centre(e) = i} m_e / sqrt(avg_num_neighbors)) + self_connection(h ⊗ one-hot species)
/// h'  = Gate(x)  (+ h when the irreps allow a residual connection)
/// </code>
/// Messages are summed over edges by <see cref="TensorProduct.ScatterSum"/>. Scripted: its inputs have sizes tied to each other (atoms N
/// in <c>h</c> and <c>nodeAttrs</c>, edges E in the edge tensors and the edge index), which a trace's free batch
/// dimensions cannot express; its children (Linear, TensorProduct, Gate, radial network) are compiled by their own
/// modes.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class Interaction : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "linear_1")]
    private readonly Linear _linear1;

    [ComponentName(Name = "tp")]
    private readonly TensorProduct _tp;

    [ComponentName(Name = "radial")]
    private readonly RadialMlp _radial;

    [ComponentName(Name = "linear_2")]
    private readonly Linear _linear2;

    [ComponentName(Name = "self_connection")]
    private readonly FullyConnectedTensorProduct _selfConnection;

    [ComponentName(Name = "gate")]
    private readonly Gate _gate;

    private readonly double _messageScale;
    private readonly bool _resnet;

    /// <summary>Creates the layer.</summary>
    /// <param name="irrepsIn">Irreps of the node features coming in.</param>
    /// <param name="irrepsHidden">Wanted irreps of the node features going out (those no path reaches are dropped).</param>
    /// <param name="irrepsEdge">Irreps of the edge spherical harmonics.</param>
    /// <param name="numSpecies">Number of species (the one-hot node attributes are <c>numSpecies x 0e</c>).</param>
    /// <param name="numBasis">Width of the edge length embedding.</param>
    /// <param name="radialHidden">Hidden widths of the radial network.</param>
    /// <param name="avgNumNeighbors">Average number of neighbours; summed messages are divided by its square root.</param>
    /// <param name="dtype">Floating dtype.</param>
    public Interaction(Irreps irrepsIn, Irreps irrepsHidden, Irreps irrepsEdge, int numSpecies, int numBasis,
        IReadOnlyList<int> radialHidden, double avgNumNeighbors, ScalarType dtype = ScalarType.Float32)
        : base(nameof(Interaction))
    {
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(irrepsHidden);
        ArgumentNullException.ThrowIfNull(irrepsEdge);
        ArgumentNullException.ThrowIfNull(radialHidden);
        if (!(avgNumNeighbors > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(avgNumNeighbors), avgNumNeighbors,
                "Interaction: the average number of neighbours must be positive.");
        }

        if (numSpecies < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numSpecies), numSpecies,
                "Interaction: the number of species must be positive.");
        }

        IrrepsIn = irrepsIn;
        IrrepsEdge = irrepsEdge;
        NumSpecies = numSpecies;
        NumBasis = numBasis;
        var nodeAttrs = new Irreps($"{numSpecies}x0e");

        // Gate: scalars and gated irreps that some path of irrepsIn x irrepsEdge reaches.
        var scalars = new Irreps(irrepsHidden.Where(m => m.Ir.L == 0 && PathExists(irrepsIn, irrepsEdge, m.Ir)));
        var gated = new Irreps(irrepsHidden.Where(m => m.Ir.L > 0 && PathExists(irrepsIn, irrepsEdge, m.Ir)));
        var gateIr = PathExists(irrepsIn, irrepsEdge, new Irrep(0, 1)) ? new Irrep(0, 1) : new Irrep(0, -1);
        var gates = new Irreps(gated.Select(m => new MulIr(m.Mul, gateIr)));
        if (scalars.Length == 0 && gated.Length == 0)
        {
            throw new ArgumentException(
                $"Interaction: no irrep of {irrepsHidden} can be reached from {irrepsIn} x {irrepsEdge}.",
                nameof(irrepsHidden));
        }

        _gate = new Gate(scalars, scalars.Select(m => Act(m.Ir)).ToList(), gates,
            gates.Select(m => (nn.Module<Tensor, Tensor>?)nn.Sigmoid()).ToList(), gated, dtype);
        var convOut = _gate.IrrepsIn[0];

        // Tensor product paths ("uvu"), NequIP's construction: one mid irrep per path, then sorted.
        var mid = new List<MulIr>();
        var raw = new List<Instruction>();
        for (var i = 0; i < irrepsIn.Length; i++)
        {
            for (var j = 0; j < irrepsEdge.Length; j++)
            {
                foreach (var irOut in irrepsIn[i].Ir * irrepsEdge[j].Ir)
                {
                    if (convOut.Contains(irOut))
                    {
                        raw.Add(new Instruction(i, j, mid.Count, "uvu", true));
                        mid.Add(new MulIr(irrepsIn[i].Mul, irOut));
                    }
                }
            }
        }

        var sorted = new Irreps(mid).Sort();
        var instructions = raw.Select(ins => ins with { IOut = sorted.P[ins.IOut] }).ToList();
        _linear1 = new Linear(irrepsIn, irrepsIn, dtype: dtype);
        _tp = new TensorProduct(irrepsIn, irrepsEdge, sorted.Irreps, instructions, sharedWeights: false,
            internalWeights: false, dtype: dtype) { CompileScatterSum = true };
        _radial = new RadialMlp(new[] { numBasis }.Concat(radialHidden).Append(_tp.WeightNumel).ToArray(),
            nn.SiLU(), dtype);
        _linear2 = new Linear(sorted.Irreps.Simplify(), convOut, dtype: dtype);
        _selfConnection = new FullyConnectedTensorProduct(irrepsIn, nodeAttrs, convOut, dtype: dtype);
        _messageScale = 1.0 / Math.Sqrt(avgNumNeighbors);
        IrrepsOut = _gate.IrrepsOut;
        _resnet = IrrepsOut == irrepsIn;
        RegisterComponents();
    }

    /// <summary>Irreps of the node features coming in.</summary>
    public Irreps IrrepsIn { get; }

    /// <summary>Irreps of the node features going out.</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>Irreps of the edge spherical harmonics.</summary>
    public Irreps IrrepsEdge { get; }

    /// <summary>Number of species.</summary>
    public int NumSpecies { get; }

    /// <summary>Width of the edge length embedding.</summary>
    public int NumBasis { get; }

    /// <summary>Whether the input is added to the output (same irreps in and out).</summary>
    public bool Residual => _resnet;

    /// <summary>Runs the layer.</summary>
    /// <param name="h">Node features <c>[N, IrrepsIn.Dim]</c>.</param>
    /// <param name="nodeAttrs">One-hot species <c>[N, NumSpecies]</c>.</param>
    /// <param name="edgeSh">Edge spherical harmonics <c>[E, IrrepsEdge.Dim]</c>.</param>
    /// <param name="edgeEmbedding">Edge length embedding <c>[E, NumBasis]</c>.</param>
    /// <param name="edgeIndex">Edge index <c>[2, E]</c> (int64): row 0 centres, row 1 neighbours.</param>
    /// <returns>New node features <c>[N, IrrepsOut.Dim]</c>.</returns>
    public override Tensor forward(Tensor h, Tensor nodeAttrs, Tensor edgeSh, Tensor edgeEmbedding, Tensor edgeIndex)
    {
        var x = _linear1.forward(h);
        var weights = _radial.forward(edgeEmbedding);
        var summed = _tp.ScatterSum(x, edgeSh, weights, edgeIndex);
        var y = _linear2.forward(summed * _messageScale) + _selfConnection.forward(h, nodeAttrs);
        y = _gate.forward(y);
        return _resnet ? h + y : y;
    }

    private static nn.Module<Tensor, Tensor>? Act(Irrep ir) =>
        ir.P == 1 ? nn.SiLU() : nn.Tanh();

    private static bool PathExists(Irreps a, Irreps b, Irrep target) =>
        a.Any(x => b.Any(y => (x.Ir * y.Ir).Contains(target)));
}
