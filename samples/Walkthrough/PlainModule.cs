using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Walkthrough;

/// <summary>
/// <see cref="MyModule"/> without a compile mode: ordinary TorchSharp code. Nothing translated its forward at build
/// time, so it cannot be scripted, and with no mode Compile does not know how to compile it.
/// </summary>
public class PlainModule : nn.Module<Tensor, Tensor>
{
    private readonly Norm norm;

    /// <summary>Creates the module.</summary>
    /// <param name="irreps">The input irreps.</param>
    public PlainModule(Irreps irreps) : base(nameof(PlainModule))
    {
        norm = new Norm(irreps);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        var n = norm.call(x);
        using var limit = 7.0.ToScalar();
        return torch.any(n > limit).item<bool>() ? n : n * 0.5;
    }
}
