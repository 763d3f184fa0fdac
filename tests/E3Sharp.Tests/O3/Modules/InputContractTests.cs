using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>
/// Inputs a module cannot take get a managed exception naming the module, the inputs and their shapes, from the eager
/// module and, with the same message, from the compiled one (issue 17: batch mismatches used to abort the process in
/// LibTorch's matmul; compiled modules accepted wrong feature counts).
/// </summary>
public class InputContractTests
{
    // The message of an eager ArgumentException without .NET's " (Parameter 'x')" suffix.
    private static string Core(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    // The compiled module refuses with the eager message (TorchScript's raise, inside LibTorch's traceback).
    private static void CompiledRefusesLikeEager(ArgumentException eager, Action compiled)
    {
        var e = Assert.ThrowsAny<Exception>(compiled);
        Assert.Contains(Core(eager), e.Message);
    }

    [Fact]
    public void TensorProductBatchesThatDoNotBroadcastThrow()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("4x0e+4x1o", "4x0e+4x1o", "4x0e+4x1o");
        var e = Assert.Throws<ArgumentException>(() => tp.call(randn(4, 16), randn(3, 16)));
        Assert.Equal(
            "FullyConnectedTensorProduct(4x0e+4x1o x 4x0e+4x1o -> 4x0e+4x1o | 256 paths | 256 weights): the batch dimensions " +
            "of input 'x' and input 'y' do not broadcast (a batch dimension must be equal in both or 1 in one of them); " +
            "shapes [4, 16] and [3, 16].", Core(e));
        e = Assert.Throws<ArgumentException>(() => tp.call(randn(2, 4, 16), randn(4, 2, 16)));
        Assert.Contains("shapes [2, 4, 16] and [4, 2, 16]", e.Message);
        // Broadcasting batches still work.
        Assert.Equal(new long[] { 2, 4, 16 }, tp.call(randn(2, 1, 16), randn(4, 16)).shape);

        var compiled = TorchScript.Compile(tp);
        CompiledRefusesLikeEager(e, () => compiled.call(randn(2, 4, 16), randn(4, 2, 16)));
        Assert.Equal(new long[] { 2, 4, 16 }, compiled.call(randn(2, 1, 16), randn(4, 16)).shape);
    }

    [Fact]
    public void PerSampleWeightBatchesMustBroadcastWithTheInputs()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", sharedWeights: false);
        var e = Assert.Throws<ArgumentException>(() => tp.forward(randn(4, 5), randn(4, 4), randn(3, tp.WeightNumel)));
        Assert.Contains("the batch dimensions of input 'x' and input 'weight' do not broadcast", e.Message);
        Assert.Contains("shapes [4, 5] and [3, 9]", e.Message);
        e = Assert.Throws<ArgumentException>(() => tp.forward(randn(4, 5), randn(4, 4), randn(tp.WeightNumel)));
        Assert.Contains("input 'weight' must have last dimension 9 (sharedWeights: false) and at least 1 batch dimension(s)", e.Message);

        var lin = new Linear("2x0e+1x1o", "3x0e+1x1o", sharedWeights: false, internalWeights: false);
        e = Assert.Throws<ArgumentException>(() => lin.forward(randn(4, 5), randn(3, lin.WeightNumel), null));
        Assert.Contains("Linear(2x0e+1x1o -> 3x0e+1x1o", e.Message);
        Assert.Contains("the batch dimensions of input 'features' and input 'weight' do not broadcast", e.Message);
        Assert.Equal(new long[] { 4, 6 }, lin.forward(randn(4, 5), randn(4, lin.WeightNumel), null).shape);

        // Per-sample weights without a batch dimension.
        e = Assert.Throws<ArgumentException>(() => lin.forward(randn(4, 5), randn(lin.WeightNumel), null));
        Assert.Contains("input 'weight' must have last dimension 7 (sharedWeights: false) and at least 1 batch dimension(s)", e.Message);
    }

    [Fact]
    public void CompiledGateAndExtractRefuseWrongFeatureCounts()
    {
        using var scope = NewDisposeScope();
        var gate = new Gate("2x0e", new nn.Module<Tensor, Tensor>?[] { nn.SiLU() }, "1x0e",
            new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o");
        var compiledGate = TorchScript.Compile(gate);
        foreach (var n in new long[] { 7, 60, 5 })
        {
            var eager = Assert.Throws<ArgumentException>(() => gate.forward(randn(2, n)));
            Assert.Contains($"input 'features' must have irreps 3x0e+1x1o (last dimension 6), but got a tensor of shape [2, {n}]", eager.Message);
            CompiledRefusesLikeEager(eager, () => compiledGate.call(randn(2, n)));
        }

        var extract = new Extract("1x0e+1x1o", new Irreps[] { "1x0e", "1x1o" }, new IReadOnlyList<int>[] { new[] { 0 }, new[] { 1 } });
        var compiledExtract = TorchScript.Compile(extract);
        var e = Assert.Throws<ArgumentException>(() => extract.forward(randn(3, 9)));
        CompiledRefusesLikeEager(e, () => compiledExtract.call(randn(3, 9)));
        Assert.Equal(2, compiledExtract.call(randn(3, 4)).Length);
    }

    [Fact]
    public void CompiledModulesNameAWrongDtype()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", dtype: ScalarType.Float32);
        var compiled = TorchScript.Compile(tp);
        var x = randn(4, 5, dtype: float64);
        var y = randn(4, 4, dtype: float64);
        var e = Assert.Throws<ArgumentException>(() => tp.forward(x, y));
        Assert.Equal("FullyConnectedTensorProduct(2x0e+1x1o x 1x0e+1x1o -> 2x0e+1x1o | 9 paths | 9 weights): input 'x' has " +
                     "dtype Float64, but the module's dtype is Float32.", Core(e));
        CompiledRefusesLikeEager(e, () => compiled.call(x, y));

        var lin = new Linear("2x0e+1x1o", "1x0e");
        var compiledLin = TorchScript.Compile(lin);
        e = Assert.Throws<ArgumentException>(() => lin.forward(randn(3, 5).to(int64)));
        Assert.Contains("input 'features' has dtype Int64, but the module's dtype is Float32", e.Message);
        CompiledRefusesLikeEager(e, () => compiledLin.call(randn(3, 5).to(int64)));
    }

    [Fact]
    public void CompiledSphericalHarmonicsRefuseIntegerVectors()
    {
        // Found by the input fuzz (seed 1, case 626): the compiled module accepted int64 vectors.
        using var scope = NewDisposeScope();
        var sh = SphericalHarmonics.ForLmax(1, false);
        var compiled = TorchScript.Compile(sh);
        var x = randint(-3, 3, [3]);
        var e = Assert.Throws<ArgumentException>(() => sh.forward(x));
        Assert.Equal("SphericalHarmonics([0, 1], normalize=False, normalization=integral): input 'x' has dtype Int64, but " +
                     "the module needs a floating dtype.", Core(e));
        CompiledRefusesLikeEager(e, () => compiled.call(x));
    }

    [Fact]
    public void ContractDescribesShapesDtypesAndDevicesLikeTorchScript()
    {
        Assert.Equal("[4, 16]", InputContract.ShapeText([4, 16]));
        Assert.Equal("[]", InputContract.ShapeText([]));
        Assert.Equal("Float32", InputContract.DtypeName(ScalarType.Float32));
        Assert.Equal("Float64", InputContract.DtypeName(ScalarType.Float64));
        Assert.Equal("Int64", InputContract.DtypeName(ScalarType.Int64));
        Assert.Equal("Int8/UInt8/Bool", InputContract.DtypeName(ScalarType.Bool));
        Assert.Equal("cpu", InputContract.DeviceName(CPU));
    }
}
