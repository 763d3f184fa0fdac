using E3Sharp.Jit;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting.Modules;

/// <summary>
/// Exercises the scripting subset's control flow: a for loop over a data-dependent range with continue, a while
/// loop with break, a helper method, tuple deconstruction, a ternary decided by a field, and a tuple result.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class LoopsModule : nn.Module<Tensor, (Tensor, Tensor)>
{
    private readonly int repeats;
    private readonly double factor;
    private readonly bool useBias;
    private readonly Parameter bias;

    public LoopsModule(int repeats, double factor, bool useBias) : base(nameof(LoopsModule))
    {
        this.repeats = repeats;
        this.factor = factor;
        this.useBias = useBias;
        bias = new Parameter(torch.linspace(-1.0, 1.0, 4));
        RegisterComponents();
    }

    public override (Tensor, Tensor) forward(Tensor x)
    {
        var acc = torch.zeros_like(x[0]);
        for (int i = 0; i < x.shape[0]; i++)
        {
            if (i % 2 == 1)
            {
                continue;
            }

            acc = acc + x[i] * (i + 1);
        }

        var n = 0;
        var y = x;
        while (n < repeats)
        {
            y = Scale(y, factor);
            n++;
            if (torch.all(y.abs() < 1e-3).item<bool>())
            {
                break;
            }
        }

        var (largest, _) = y.max(-1);
        var shifted = useBias ? y + bias : y - 1.0;
        return (acc + largest.sum(), shifted);
    }

    private Tensor Scale(Tensor t, double f) => t * f;
}
