using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Walkthrough;

/// <summary>
/// The guide's first example: a data-dependent branch on the output of a <see cref="Norm"/>. Tracing would record
/// only the branch the example input took, so the module is scripted (its class carries the mode, because the E3Sharp
/// generator translates a forward to TorchScript at build time).
/// </summary>
[CompileMode(JitMode.Script)]
public partial class MyModule : nn.Module<Tensor, Tensor>
{
    private readonly Norm norm;

    /// <summary>Creates the module.</summary>
    /// <param name="irreps">The input irreps.</param>
    public MyModule(Irreps irreps) : base(nameof(MyModule))
    {
        norm = new Norm(irreps);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        var n = norm.call(x);
        if (torch.any(n > 7.0).item<bool>())
        {
            return n;
        }

        return n * 0.5;
    }
}
