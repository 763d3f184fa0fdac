using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Walkthrough;

/// <summary>A module containing an unsupported child: compiling it fails before anything is compiled.</summary>
public class Supermod : nn.Module<Tensor, Tensor>
{
    private readonly ChildMod child;

    /// <summary>Creates the module.</summary>
    public Supermod() : base(nameof(Supermod))
    {
        child = new ChildMod();
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => child.call(x) + 1.0;
}
