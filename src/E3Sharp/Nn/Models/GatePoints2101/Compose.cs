using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn.Models.GatePoints2101;

/// <summary>A <see cref="Convolution"/> followed by a <see cref="Gate"/> (e3nn's <c>gate_points_2101.Compose</c>, with
/// its child names <c>first</c> and <c>second</c>).</summary>
/// <example>
/// <code>
/// var layer = new Compose(conv, gate);
/// var y = layer.forward(x, attr, edgeIndex, edgeAttr, edgeLengthEmbedded);   // gate(conv(...))
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class Compose : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>, ITracingInputs
{
    [ComponentName(Name = "first")]
    private readonly Convolution _first;

    [ComponentName(Name = "second")]
    private readonly Gate _second;

    /// <summary>Composes the two modules.</summary>
    /// <param name="first">The convolution.</param>
    /// <param name="second">The gate (its input irreps must be the convolution's output irreps).</param>
    public Compose(Convolution first, Gate second) : base(nameof(Compose))
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.IrrepsOut != second.IrrepsIn[0])
        {
            throw new ArgumentException($"Compose: the convolution gives {first.IrrepsOut} but the gate takes " +
                $"{second.IrrepsIn[0]}.", nameof(second));
        }

        _first = first;
        _second = second;
        RegisterComponents();
    }

    /// <summary>The convolution.</summary>
    public Convolution First => _first;

    /// <summary>The gate.</summary>
    public Gate Second => _second;

    /// <summary>Runs the gate on the convolution's output.</summary>
    /// <param name="nodeInput">Node features.</param>
    /// <param name="nodeAttr">Node attributes.</param>
    /// <param name="edgeIndex">int64 <c>[2, E]</c> (source, destination).</param>
    /// <param name="edgeAttr">Edge attributes.</param>
    /// <param name="edgeLengthEmbedded">Edge length embedding.</param>
    public override Tensor forward(Tensor nodeInput, Tensor nodeAttr, Tensor edgeIndex, Tensor edgeAttr,
        Tensor edgeLengthEmbedded) =>
        _second.forward(_first.forward(nodeInput, nodeAttr, edgeIndex, edgeAttr, edgeLengthEmbedded));

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) => _first.MakeTracingInputs(n);

    /// <inheritdoc />
    public override string ToString() => $"Compose({_first}, {_second})";
}
