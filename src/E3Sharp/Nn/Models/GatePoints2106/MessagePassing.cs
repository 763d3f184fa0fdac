using E3Sharp.Jit;
using E3Sharp.O3;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn.Models.GatePoints2106;

/// <summary>
/// e3nn's <c>nn.models.v2106.gate_points_message_passing.MessagePassing</c>: for each hidden irreps of
/// <c>irreps_node_sequence</c> a <see cref="Convolution"/> followed by a <see cref="Gate"/> (a <see cref="Compose"/>),
/// then a last <see cref="Convolution"/> to the output irreps. Hidden irreps no tensor-product path reaches are
/// dropped (as in e3nn); scalars are activated with SiLU (even) or tanh (odd), the gates with sigmoid (even) or tanh
/// (odd). Parameter names are e3nn's (<c>layers.0.first.sc.weight</c>, ...).
/// </summary>
/// <remarks>Scripted, like e3nn's layers: the forward takes e3nn's six tensors in e3nn's order, graphs of any size.</remarks>
/// <example>
/// e3nn's own test:
/// <code>
/// var mp = new MessagePassing(new Irreps[] { "0e", "0e + 1e", "0e + 1e", "0e + 1e", "1e" }, "0e + 1e", "0e + 1e",
///     fcNeurons: new[] { 2, 100 }, numNeighbors: 3.0);
/// var y = mp.forward(nodeFeatures, nodeAttr, edgeSrc, edgeDst, edgeAttr, edgeScalars);   // [N, 3]
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class MessagePassing : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>, ITracingInputs
{
    [ComponentName(Name = "layers")]
    private readonly ModuleList<nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>> _layers;

    /// <summary>Builds the layers (e3nn's arguments, in e3nn's order).</summary>
    /// <param name="irrepsNodeSequence">Irreps of the input, of each hidden layer, and of the output (at least two).</param>
    /// <param name="irrepsNodeAttr">Irreps of the node attributes.</param>
    /// <param name="irrepsEdgeAttr">Irreps of the edge attributes.</param>
    /// <param name="fcNeurons">Neurons of each radial network's input and hidden layers.</param>
    /// <param name="numNeighbors">Typical number of nodes convolved over.</param>
    /// <param name="dtype">Dtype of the parameters (default: torch's default dtype).</param>
    /// <exception cref="ArgumentException">A hidden layer has gated irreps but no path produces the scalars to gate
    /// them (e3nn's ValueError).</exception>
    public MessagePassing(IReadOnlyList<Irreps> irrepsNodeSequence, Irreps irrepsNodeAttr, Irreps irrepsEdgeAttr,
        IReadOnlyList<int> fcNeurons, double numNeighbors, ScalarType? dtype = null)
        : base(nameof(MessagePassing))
    {
        ArgumentNullException.ThrowIfNull(irrepsNodeSequence);
        ArgumentNullException.ThrowIfNull(irrepsNodeAttr);
        ArgumentNullException.ThrowIfNull(irrepsEdgeAttr);
        ArgumentNullException.ThrowIfNull(fcNeurons);
        if (irrepsNodeSequence.Count < 2 || irrepsNodeSequence.Any(i => i is null))
        {
            throw new ArgumentException("MessagePassing: irrepsNodeSequence needs the input and the output irreps " +
                $"(got {irrepsNodeSequence.Count} entries).", nameof(irrepsNodeSequence));
        }

        NumNeighbors = numNeighbors;
        IrrepsNodeAttr = irrepsNodeAttr;
        IrrepsEdgeAttr = irrepsEdgeAttr;
        FcNeurons = fcNeurons.ToArray();
        var even = new Irrep(0, 1);
        var odd = new Irrep(0, -1);
        var sequence = new List<Irreps> { irrepsNodeSequence[0] };
        var irrepsNode = irrepsNodeSequence[0];
        _layers = new ModuleList<nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>>();
        for (var k = 1; k < irrepsNodeSequence.Count - 1; k++)
        {
            var hidden = irrepsNodeSequence[k];
            var current = irrepsNode;
            var scalars = new Irreps(hidden.Where(m => m.Ir.L == 0 && TpPathExists(current, irrepsEdgeAttr, m.Ir))).Simplify();
            var gated = new Irreps(hidden.Where(m => m.Ir.L > 0 && TpPathExists(current, irrepsEdgeAttr, m.Ir)));
            Irrep? gateIr = null;
            if (gated.Dim > 0)
            {
                gateIr = TpPathExists(current, irrepsEdgeAttr, even) ? even
                    : TpPathExists(current, irrepsEdgeAttr, odd) ? odd
                    : throw new ArgumentException($"MessagePassing: irreps_node={current} times irrepsEdgeAttr=" +
                        $"{irrepsEdgeAttr} is unable to produce gates needed for irreps_gated={gated}.");
            }

            var gates = new Irreps(gated.Select(m => new MulIr(m.Mul, gateIr!.Value))).Simplify();
            var gate = new Gate(scalars, scalars.Select(m => Act(m.Ir)).ToList(), gates,
                gates.Select(m => ActGate(m.Ir)).ToList(), gated, dtype);
            var conv = new Convolution(irrepsNode, irrepsNodeAttr, irrepsEdgeAttr, gate.IrrepsIn[0], fcNeurons,
                numNeighbors, dtype);
            _layers.Add(new Compose(conv, gate));
            irrepsNode = gate.IrrepsOut;
            sequence.Add(irrepsNode);
        }

        var irrepsNodeOutput = irrepsNodeSequence[^1];
        _layers.Add(new Convolution(irrepsNode, irrepsNodeAttr, irrepsEdgeAttr, irrepsNodeOutput, fcNeurons,
            numNeighbors, dtype));
        sequence.Add(irrepsNodeOutput);
        IrrepsNodeSequence = sequence;
        RegisterComponents();
    }

    /// <summary>Irreps of the input, of each hidden layer as built (after the gates), and of the output.</summary>
    public IReadOnlyList<Irreps> IrrepsNodeSequence { get; }

    /// <summary>Irreps of the input node features.</summary>
    public Irreps IrrepsNodeInput => IrrepsNodeSequence[0];

    /// <summary>Irreps of the output node features.</summary>
    public Irreps IrrepsNodeOutput => IrrepsNodeSequence[^1];

    /// <summary>Irreps of the node attributes.</summary>
    public Irreps IrrepsNodeAttr { get; }

    /// <summary>Irreps of the edge attributes.</summary>
    public Irreps IrrepsEdgeAttr { get; }

    /// <summary>Neurons of each radial network's input and hidden layers.</summary>
    public IReadOnlyList<int> FcNeurons { get; }

    /// <summary>Typical number of nodes convolved over.</summary>
    public double NumNeighbors { get; }

    /// <summary>The layers: <see cref="Compose"/> (convolution + gate) modules, then the last <see cref="Convolution"/>.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>> Layers => _layers.ToArray();

    /// <summary>Runs the layers in turn.</summary>
    /// <param name="nodeFeatures">Node features <c>[N, IrrepsNodeInput.Dim]</c>.</param>
    /// <param name="nodeAttr">Node attributes <c>[N, IrrepsNodeAttr.Dim]</c>.</param>
    /// <param name="edgeSrc">int64 <c>[E]</c>: the source node of each edge.</param>
    /// <param name="edgeDst">int64 <c>[E]</c>: the destination node of each edge.</param>
    /// <param name="edgeAttr">Edge attributes <c>[E, IrrepsEdgeAttr.Dim]</c>.</param>
    /// <param name="edgeScalars">Edge scalars <c>[E, FcNeurons[0]]</c>.</param>
    /// <returns><c>[N, IrrepsNodeOutput.Dim]</c>.</returns>
    public override Tensor forward(Tensor nodeFeatures, Tensor nodeAttr, Tensor edgeSrc, Tensor edgeDst,
        Tensor edgeAttr, Tensor edgeScalars)
    {
        var h = nodeFeatures;
        foreach (var layer in _layers)
        {
            h = layer.forward(h, nodeAttr, edgeSrc, edgeDst, edgeAttr, edgeScalars);
        }

        return h;
    }

    /// <summary>Whether some irrep of <paramref name="irrepsIn1"/> times some irrep of <paramref name="irrepsIn2"/>
    /// contains <paramref name="irOut"/> (e3nn's <c>tp_path_exists</c>).</summary>
    /// <param name="irrepsIn1">First irreps.</param>
    /// <param name="irrepsIn2">Second irreps.</param>
    /// <param name="irOut">The irrep looked for.</param>
    public static bool TpPathExists(Irreps irrepsIn1, Irreps irrepsIn2, Irrep irOut)
    {
        ArgumentNullException.ThrowIfNull(irrepsIn1);
        ArgumentNullException.ThrowIfNull(irrepsIn2);
        return irrepsIn1.Simplify().Any(a => irrepsIn2.Simplify().Any(b => (a.Ir * b.Ir).Contains(irOut)));
    }

    private static nn.Module<Tensor, Tensor>? Act(Irrep ir) => ir.P == 1 ? nn.SiLU() : nn.Tanh();

    private static nn.Module<Tensor, Tensor>? ActGate(Irrep ir) => ir.P == 1 ? nn.Sigmoid() : nn.Tanh();

    /// <summary>Graphs fix the last dimension of every input.</summary>
    public bool FixedLastDimension => true;

    /// <summary>Random graphs (as <see cref="Convolution.MakeTracingInputs"/> of the first layer).</summary>
    /// <param name="n">How many input tuples.</param>
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var first = _layers[0] switch
        {
            Compose c => c.First,
            Convolution c => c,
            _ => throw new InvalidOperationException("MessagePassing: unexpected first layer."),
        };
        return first.MakeTracingInputs(n);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"MessagePassing({string.Join(" -> ", IrrepsNodeSequence)}, attr {IrrepsNodeAttr}, edge {IrrepsEdgeAttr})";
}
