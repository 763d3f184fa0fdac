using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting.Modules;

/// <summary>
/// A stand-in for a traced child (no compile mode of its own): the Euclidean norm of each row, shape [n, 1].
/// Tests register its hand-written IR in the CompileContext (<see cref="ScriptTestUtil.RegisterRowNorm"/>).
/// </summary>
public sealed class RowNorm : nn.Module<Tensor, Tensor>
{
    public RowNorm() : base(nameof(RowNorm))
    {
    }

    public override Tensor forward(Tensor x) => x.pow(2).sum(-1, keepdim: true).sqrt();
}
