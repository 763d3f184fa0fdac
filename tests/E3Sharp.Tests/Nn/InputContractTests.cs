using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Nn;

/// <summary>
/// The e3nn-parity modules (FullyConnectedNet, NormActivation, Identity, SoftOneHotLinspace, SoftUnitStep) refuse bad
/// inputs through their <see cref="InputContract"/>: the eager module throws a message naming the module, the expected
/// size and the shape received, and the compiled module raises the same message (issue 17).
/// </summary>
public class NnInputContractTests
{
    private static string Core(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    private static void CompiledRefusesLikeEager(ArgumentException eager, Action compiled)
    {
        var e = Assert.ThrowsAny<Exception>(compiled);
        Assert.IsNotType<ArgumentException>(e);   // raised by the TorchScript code, not by a .NET check
        Assert.Contains(Core(eager), e.Message);
    }

    [Fact]
    public void FullyConnectedNetRefusesWrongSizesAndDtypes()
    {
        using var scope = NewDisposeScope();
        var net = new FullyConnectedNet(new[] { 4, 8, 2 }, nn.SiLU());
        var e = Assert.Throws<ArgumentException>(() => net.call(randn(3, 5)));
        Assert.Equal("FullyConnectedNet[4, 8, 2]: input 'x' must have irreps 4x0e (last dimension 4), but got a tensor of shape [3, 5].", Core(e));
        var d = Assert.Throws<ArgumentException>(() => net.call(randn(3, 4, dtype: float64)));
        Assert.Equal("FullyConnectedNet[4, 8, 2]: input 'x' has dtype Float64, but the module's dtype is Float32.", Core(d));
        var r = Assert.Throws<ArgumentException>(() => net.call(randn(Array.Empty<long>())));
        Assert.Contains("FullyConnectedNet[4, 8, 2]: input 'x' must have irreps 4x0e (last dimension 4), but got a tensor of shape [].", r.Message);
        // A layer on its own names itself.
        var l = Assert.Throws<ArgumentException>(() => net.Layers[1].call(randn(2, 4)));
        Assert.StartsWith("Layer(8->2, act=None): input 'x' must have irreps 8x0e (last dimension 8), but got a tensor of shape [2, 4].", l.Message);

        var compiled = TorchScript.Compile(net);
        CompiledRefusesLikeEager(e, () => compiled.call(randn(3, 5)));
        CompiledRefusesLikeEager(d, () => compiled.call(randn(3, 4, dtype: float64)));
        var x = randn(2, 3, 4);
        Assert.Equal(net.call(x).data<float>().ToArray(), compiled.call(x).data<float>().ToArray());
    }

    [Fact]
    public void NormActivationRefusesWrongSizesAndDtypes()
    {
        using var scope = NewDisposeScope();
        var act = new NormActivation(new Irreps("2x1e"), nn.Sigmoid(), bias: true);
        var e = Assert.Throws<ArgumentException>(() => act.call(randn(2, 5)));
        Assert.Equal("NormActivation(2x1e): input 'features' must have irreps 2x1e (last dimension 6), but got a tensor of shape [2, 5].", Core(e));
        var d = Assert.Throws<ArgumentException>(() => act.call(randn(2, 6, dtype: float64)));
        Assert.Equal("NormActivation(2x1e): input 'features' has dtype Float64, but the module's dtype is Float32.", Core(d));

        var compiled = TorchScript.Compile(act);
        CompiledRefusesLikeEager(e, () => compiled.call(randn(2, 5)));
        CompiledRefusesLikeEager(d, () => compiled.call(randn(2, 6, dtype: float64)));
        var x = randn(3, 6);
        Assert.True(act.call(x).allclose(compiled.call(x), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void IdentityRefusesWrongSizes()
    {
        using var scope = NewDisposeScope();
        var id = new Identity(new Irreps("1x0e+1x1o"), new Irreps("1x0e+1x1o"));
        var e = Assert.Throws<ArgumentException>(() => id.call(randn(7, 3)));
        Assert.Equal("Identity(1x0e+1x1o -> 1x0e+1x1o): input 'features' must have irreps 1x0e+1x1o (last dimension 4), but got a tensor of shape [7, 3].", Core(e));

        var compiled = TorchScript.Compile(id);
        CompiledRefusesLikeEager(e, () => compiled.call(randn(7, 3)));
        var x = randn(7, 4);
        Assert.Equal(x.data<float>().ToArray(), compiled.call(x).data<float>().ToArray());
    }

    [Fact]
    public void RadiusGraphModuleRefusesAnIndexOfAnotherDtype()
    {
        using var scope = NewDisposeScope();
        var graph = new RadiusGraph(1.0);
        var e = Assert.Throws<ArgumentException>(() => graph.call(rand(4, 3), zeros(4, dtype: int32)));
        Assert.Equal("RadiusGraph(rMax=1, maxNumNeighbors=32): input 'batch' has dtype Int32, but it must be Int64.", Core(e));
        var r = Assert.Throws<ArgumentException>(() => graph.call(rand(4, 3), zeros(2, 2, dtype: int64)));
        Assert.Equal("RadiusGraph(rMax=1, maxNumNeighbors=32): input 'batch' must have shape [N] and no batch dimensions, but got a tensor of shape [2, 2].", Core(r));

        // The traced graph took an int32 or float batch before the contract (eager refused it).
        var compiled = TorchScript.Compile(graph);
        CompiledRefusesLikeEager(e, () => compiled.call(rand(4, 3), zeros(4, dtype: int32)));
        CompiledRefusesLikeEager(r, () => compiled.call(rand(4, 3), zeros(2, 2, dtype: int64)));
        var pos = tensor(new float[] { 0, 0, 0, 0.5f, 0, 0, 3, 0, 0, 3.5f, 0, 0 }).reshape(4, 3);
        var batch = tensor(new long[] { 0, 0, 0, 1 });
        Assert.Equal(graph.call(pos, batch).data<long>().ToArray(), compiled.call(pos, batch).data<long>().ToArray());
        Assert.Equal(new long[] { 1, 0, 0, 1 }, compiled.call(pos, batch).data<long>().ToArray());
    }

    [Fact]
    public void ElementwiseModulesRefuseIntegerInputsAndTakeAnyShape()
    {
        using var scope = NewDisposeScope();
        var step = new SoftUnitStep();
        var e = Assert.Throws<ArgumentException>(() => step.call(arange(5)));
        Assert.Equal("SoftUnitStep(): input 'x' has dtype Int64, but the module needs a floating dtype.", Core(e));
        var basis = new SoftOneHotLinspace(0.0, 5.0, 10, "bessel", cutoff: true);
        var b = Assert.Throws<ArgumentException>(() => basis.call(arange(3, dtype: int32)));
        Assert.Equal(
            "SoftOneHotLinspace(start=0, end=5, number=10, basis=bessel, cutoff=True): input 'x' has dtype Int32, " +
            "but the module needs a floating dtype.", Core(b));

        var compiledStep = TorchScript.Compile(step);
        var compiledBasis = TorchScript.Compile(basis);
        CompiledRefusesLikeEager(e, () => compiledStep.call(arange(5)));
        CompiledRefusesLikeEager(b, () => compiledBasis.call(arange(3, dtype: int32)));
        // Any shape, a scalar included: [] -> [10], [2, 3] -> [2, 3, 10].
        var s = tensor(1.5f);
        Assert.Equal(new long[] { 10 }, compiledBasis.call(s).shape);
        Assert.True(basis.call(s).allclose(compiledBasis.call(s), rtol: 1e-5, atol: 1e-6));
        var m = rand(2, 3).mul(5f);
        Assert.Equal(new long[] { 2, 3, 10 }, compiledBasis.call(m).shape);
        Assert.True(step.call(m.sub(2.5f)).allclose(compiledStep.call(m.sub(2.5f)), rtol: 1e-5, atol: 1e-7));
    }
    [Fact]
    public void BatchNormAndDropoutRefuseWrongSizesAndDtypes()
    {
        using var scope = NewDisposeScope();
        var bn = new BatchNorm(new Irreps("1x0e + 1x1o"));
        bn.eval();
        var e = Assert.Throws<ArgumentException>(() => bn.call(randn(3, 5)));
        Assert.Equal("BatchNorm (1x0e+1x1o, eps=1e-05, momentum=0.1): input 'input' must have irreps 1x0e+1x1o (last dimension 4) and at least 1 batch dimension(s), but got a tensor of shape [3, 5].", Core(e));
        var d = Assert.Throws<ArgumentException>(() => bn.call(randn(3, 4, dtype: float64)));
        Assert.Contains("input 'input' has dtype Float64, but the module's dtype is Float32", d.Message);
        Assert.Throws<ArgumentException>(() => bn.call(randn(4)));   // no batch dimension
        var compiled = TorchScript.Compile(bn);
        CompiledRefusesLikeEager(e, () => compiled.call(randn(3, 5)));
        CompiledRefusesLikeEager(d, () => compiled.call(randn(3, 4, dtype: float64)));

        var drop = new Dropout(new Irreps("2x0e + 1x1o"), 0.3);
        var de = Assert.Throws<ArgumentException>(() => drop.call(randn(2, 4)));
        Assert.Equal("Dropout (2x0e+1x1o, p=0.3): input 'x' must have irreps 2x0e+1x1o (last dimension 5) and at least 1 batch dimension(s), but got a tensor of shape [2, 4].", Core(de));
        var di = Assert.Throws<ArgumentException>(() => drop.call(ones(2, 5, dtype: int64)));
        Assert.Contains("needs a floating dtype", di.Message);
        drop.eval();
        var compiledDrop = TorchScript.Compile(drop);
        CompiledRefusesLikeEager(de, () => compiledDrop.call(randn(2, 4)));
        CompiledRefusesLikeEager(di, () => compiledDrop.call(ones(2, 5, dtype: int64)));
    }
}
