using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Walkthrough;

/// <summary>A module that declares it cannot be compiled.</summary>
[CompileMode(JitMode.Unsupported)]
public class ChildMod : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module.</summary>
    public ChildMod() : base(nameof(ChildMod))
    {
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => x * 2.0;
}
