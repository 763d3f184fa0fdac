using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Scripting.Modules;

/// <summary>
/// e3nn's docs example: <c>norm = self.norm(x); for row in norm: if torch.any(row &gt; 0.1): return row; return norm</c>
/// (C# iterates the rows with <c>unbind()</c>; the early return gives a row, shapes differ but both are tensors).
/// </summary>
[CompileMode(JitMode.Script)]
public partial class MyModule2 : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm;

    public MyModule2(nn.Module<Tensor, Tensor> norm) : base(nameof(MyModule2))
    {
        this.norm = norm;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var norm = this.norm.call(x);
        foreach (var row in norm.unbind())
        {
            if (torch.any(row > 0.1).item<bool>())
            {
                return row;
            }
        }

        return norm;
    }
}
