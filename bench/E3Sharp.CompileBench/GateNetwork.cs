using E3Sharp.Nn;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;
using O3Linear = E3Sharp.O3.Modules.Linear;

namespace E3Sharp.CompileBench;

/// <summary>
/// A small gated equivariant network: Linear -> Gate -> Linear. It has no compile mode of its own and is traced
/// with TorchScript.Trace; its Linear children are traced and its Gate is scripted, each by its own mode.
/// </summary>
public partial class GateNetwork : nn.Module<Tensor, Tensor>
{
    private readonly O3Linear lin1;
    private readonly Gate gate;
    private readonly O3Linear lin2;

    public GateNetwork(Irreps irrepsIn, Irreps irrepsOut)
        : base(nameof(GateNetwork))
    {
        gate = new Gate("16x0e + 16x0o", [nn.SiLU(), nn.Tanh()], "32x0e", [nn.Sigmoid()], "16x1o + 16x1e");
        lin1 = new O3Linear(irrepsIn, gate.IrrepsIn[0]);
        lin2 = new O3Linear(gate.IrrepsOut, irrepsOut);
        IrrepsIn = irrepsIn;
        RegisterComponents();
    }

    public Irreps IrrepsIn { get; }

    public override Tensor forward(Tensor x) => lin2.call(gate.call(lin1.call(x)));
}
