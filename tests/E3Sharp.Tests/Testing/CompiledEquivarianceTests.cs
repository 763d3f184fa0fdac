using E3Sharp.Jit;
using E3Sharp.Jit.Ir;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Testing;

/// <summary>AssertEquivariant takes TorchScript modules of any arity (issue 17: "ScriptModule has no public forward
/// method taking 4 tensor argument(s)").</summary>
public class CompiledEquivarianceTests
{
    [Fact]
    public void AFourInputScriptModuleIsChecked()
    {
        using var scope = NewDisposeScope();
        // forward(a, b, c, d) = a * c[..., :1] + b * d[..., :1]: vectors a, b (1o) weighted by scalars (0e).
        var ir = new ModuleInstance("__torch__.test.FourInputs");
        var f = new MethodBuilder("forward", TsType.Tensor)
            .Param("a", TsType.Tensor).Param("b", TsType.Tensor).Param("c", TsType.Tensor).Param("d", TsType.Tensor);
        f.Return(IrBuilder.Binary(BinaryOp.Add,
            IrBuilder.Binary(BinaryOp.Mul, IrBuilder.Var("a"), IrBuilder.Var("c")),
            IrBuilder.Binary(BinaryOp.Mul, IrBuilder.Var("b"), IrBuilder.Var("d"))));
        ir.AddMethod(f.Build());
        using var script = E3Sharp.Jit.Serialization.TorchScriptArchive.ToScriptModule(ir);
        var errors = Assertions.AssertEquivariant(script, irrepsIn: new Irreps?[] { "1o", "1o", "0e", "0e" },
            irrepsOut: new Irreps?[] { "1o" });
        Assert.NotEmpty(errors);
        // A wrong claim is caught: the output is not a pseudovector.
        Assert.Throws<EquivarianceException>(() => Assertions.AssertEquivariant(script,
            irrepsIn: new Irreps?[] { "1o", "1o", "0e", "0e" }, irrepsOut: new Irreps?[] { "1e" }));
    }
}
