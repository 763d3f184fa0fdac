using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>Dispose frees every tensor a module owns (issue 17: TorchSharp's Module.Dispose misses non-persistent
/// buffers, so 6 of a FullyConnectedTensorProduct's 7 constant tensors stayed alive).</summary>
[Collection(nameof(MemoryMeasurementCollection))]
public class DisposeTests
{
    private static long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    public static TheoryData<string> Modules => new()
    {
        "FullyConnectedTensorProduct", "ElementwiseTensorProduct", "FullTensorProduct", "TensorSquare", "Linear",
        "LinearExternal", "Norm", "Gate",
    };

    private static nn.Module Make(string kind) => kind switch
    {
        "FullyConnectedTensorProduct" => new FullyConnectedTensorProduct("4x0e+4x1o", "4x0e+4x1o", "4x0e+4x1o"),
        "ElementwiseTensorProduct" => new ElementwiseTensorProduct("2x0e+2x1o", "2x0e+2x1e"),
        "FullTensorProduct" => new FullTensorProduct("2x0e+1x1o", "1x0e+1x2e"),
        "TensorSquare" => new TensorSquare("2x0e+1x1o"),
        "Linear" => new Linear("2x0e+1x1o+1x2e", "3x0e+2x1o", biases: true),
        "LinearExternal" => new Linear("2x0e+1x1o", "3x0e+2x1o", sharedWeights: false, internalWeights: false),
        "Norm" => new Norm("2x0e+1x1o"),
        "Gate" => new Gate("2x0e", new nn.Module<Tensor, Tensor>?[] { nn.SiLU() }, "1x0e",
            new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o"),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Modules))]
    public void DisposeLeavesNoTensorAlive(string kind)
    {
        Make(kind).Dispose();   // first construction: lazily created statics (Wigner 3j caches) stay
        var before = Live();
        var module = Make(kind);
        Assert.True(Live() > before, "the live-tensor counter should see the module's tensors");
        module.Dispose();
        Assert.Equal(before, Live());
    }

    [Fact]
    public void FullyConnectedTensorProductDisposesItsConstants()
    {
        var tp = new FullyConnectedTensorProduct("4x0e+4x1o", "4x0e+4x1o", "4x0e+4x1o");
        var constants = TorchSharpInternals.OwnBuffers(tp).Where(b => !b.Persistent).Select(b => b.Buffer).ToArray();
        Assert.NotEmpty(constants);
        tp.Dispose();
        Assert.All(constants, c => Assert.True(c.IsInvalid));
    }
}

/// <summary>The reflection on TorchSharp internals (<see cref="TorchSharpInternals"/>) still finds what it reads:
/// fails when a TorchSharp update moves the buffer registry.</summary>
public class TorchSharpInternalsTests
{
    private sealed class WithBuffers : nn.Module
    {
        public WithBuffers() : base(nameof(WithBuffers))
        {
            register_buffer("kept", ones(2));
            register_buffer("derived", zeros(3), persistent: false);
        }
    }

    [Fact]
    public void TheBufferRegistryIsReadable()
    {
        Assert.True(TorchSharpInternals.CanReadBufferRegistry, "TorchSharp's Module._internal_buffers moved: update TorchSharpInternals");
        using var m = new WithBuffers();
        var own = TorchSharpInternals.OwnBuffers(m).ToArray();
        Assert.Equal(new[] { ("kept", true), ("derived", false) }, own.Select(b => (b.Name, b.Persistent)).ToArray());
        Assert.Equal(new long[] { 3 }, own[1].Buffer.shape);
        // What the adapter works around: named_buffers leaves the non-persistent buffer out.
        Assert.Equal(new[] { "kept" }, m.named_buffers().Select(b => b.name).ToArray());
        Assert.Equal(new[] { "kept", "derived" }, TorchSharpInternals.AllBuffers(m).Select(b => b.Name).ToArray());
    }
}
