using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Walkthrough;

/// <summary>
/// The guide's scripted child: returns the first row of the norms with an entry above 0.1, or all norms when there
/// is none. The loop and the early return depend on the data, so the module is scripted.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class MyModule2 : nn.Module<Tensor, Tensor>
{
    private readonly Norm norm;

    /// <summary>Creates the module.</summary>
    /// <param name="irreps">The input irreps.</param>
    public MyModule2(Irreps irreps) : base(nameof(MyModule2))
    {
        norm = new Norm(irreps);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        var n = norm.call(x);
        // e3nn: `for row in norm:`. TorchSharp tensors are not enumerable, so the rows come from unbind();
        // the script front end turns this loop into TorchScript's `for row in n:`.
        foreach (var row in n.unbind())
        {
            if (torch.any(row > 0.1).item<bool>())
            {
                return row;
            }
        }

        return n;
    }
}
