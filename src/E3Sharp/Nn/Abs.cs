using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Nn;

/// <summary>The absolute value as a module (an even activation; TorchSharp has no <c>nn.Abs</c>).</summary>
[CompileMode(JitMode.Trace)]
public partial class Abs : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module.</summary>
    public Abs() : base(nameof(Abs))
    {
    }

    /// <summary>Returns <c>|x|</c>.</summary>
    /// <param name="x">Any tensor.</param>
    public override Tensor forward(Tensor x) => x.abs();
}
