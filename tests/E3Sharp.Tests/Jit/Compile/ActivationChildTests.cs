using E3Sharp.Jit;
using E3Sharp.Nn;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>A parameterless activation module inside Gate / Activation compiles (issue 17: a Gate whose activation
/// is Nn.Abs failed with "Cannot trace Abs: it has no tracing inputs").</summary>
public class ActivationChildTests
{
    [Fact]
    public void GateWithAbsCompilesAndMatchesEager()
    {
        using var scope = NewDisposeScope();
        var gate = new Gate("2x0e+1x0o", new nn.Module<Tensor, Tensor>?[] { new Abs(), nn.Tanh() }, "2x0e",
            new nn.Module<Tensor, Tensor>?[] { new Abs() }, "1x1o+1x2e");
        var compiled = TorchScript.Compile(gate);
        var x = randn(5, gate.IrrepsIn[0].Dim);
        Assert.True(compiled.call(x).allclose(gate.forward(x), 1e-5, 1e-6));
        Assert.True(compiled.call(x.unsqueeze(0)).allclose(gate.forward(x.unsqueeze(0)), 1e-5, 1e-6));
    }

    [Fact]
    public void ActivationWithAbsCompilesAndMatchesEager()
    {
        using var scope = NewDisposeScope();
        var act = new Activation("2x0e+1x0o", new nn.Module<Tensor, Tensor>?[] { new Abs(), new Abs() });
        var compiled = TorchScript.Compile(act);
        var x = randn(4, 3);
        Assert.True(compiled.call(x).allclose(act.forward(x)));
    }
}
