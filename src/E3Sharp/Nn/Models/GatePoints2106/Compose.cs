using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace E3Sharp.Nn.Models.GatePoints2106;

/// <summary>A <see cref="Convolution"/> followed by a <see cref="Gate"/> (e3nn's
/// <c>v2106.gate_points_message_passing.Compose</c>, with its child names <c>first</c> and <c>second</c>).</summary>
/// <example>
/// <code>
/// var layer = new Compose(conv, gate);
/// var y = layer.forward(x, attr, edgeSrc, edgeDst, edgeAttr, edgeScalars);   // gate(conv(...))
/// </code>
/// </example>
[CompileMode(JitMode.Script)]
public partial class Compose : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>, ITracingInputs
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
        if (first.IrrepsNodeOutput != second.IrrepsIn[0])
        {
            throw new ArgumentException($"Compose: the convolution gives {first.IrrepsNodeOutput} but the gate takes " +
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
    /// <param name="edgeSrc">int64 <c>[E]</c> sources.</param>
    /// <param name="edgeDst">int64 <c>[E]</c> destinations.</param>
    /// <param name="edgeAttr">Edge attributes.</param>
    /// <param name="edgeScalars">Edge scalars.</param>
    public override Tensor forward(Tensor nodeInput, Tensor nodeAttr, Tensor edgeSrc, Tensor edgeDst, Tensor edgeAttr,
        Tensor edgeScalars) =>
        _second.forward(_first.forward(nodeInput, nodeAttr, edgeSrc, edgeDst, edgeAttr, edgeScalars));

    /// <inheritdoc />
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) => _first.MakeTracingInputs(n);

    /// <inheritdoc />
    public override string ToString() => $"Compose({_first}, {_second})";
}
