using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Walkthrough;

/// <summary>
/// The guide's traced parent: no compile mode of its own (it is traced with <c>TorchScript.Trace</c>), around a
/// scripted <see cref="MyModule2"/> whose control flow survives inside the trace.
/// </summary>
public partial class AnotherModule : nn.Module<Tensor, Tensor>
{
    private readonly MyModule2 mymod;

    /// <summary>Creates the module.</summary>
    /// <param name="irreps">The input irreps.</param>
    public AnotherModule(Irreps irreps) : base(nameof(AnotherModule))
    {
        mymod = new MyModule2(irreps);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => mymod.call(x) + 3.0;
}
