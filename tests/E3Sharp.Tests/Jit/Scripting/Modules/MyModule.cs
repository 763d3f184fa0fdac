using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting.Modules;

/// <summary>e3nn's docs example: <c>norm = self.norm(x); if torch.any(norm &gt; 7.): return norm else: return norm * 0.5</c>.</summary>
[CompileMode(JitMode.Script)]
public partial class MyModule : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm;

    public MyModule(nn.Module<Tensor, Tensor> norm) : base(nameof(MyModule))
    {
        this.norm = norm;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var norm = this.norm.call(x);
        if (torch.any(norm > 7.0).item<bool>())
        {
            return norm;
        }
        else
        {
            return norm * 0.5;
        }
    }
}
