using E3Sharp.Nn;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>Runs its tests alone (no other test class in parallel), so process memory can be measured.</summary>
[CollectionDefinition(nameof(MemoryMeasurementCollection), DisableParallelization = true)]
public class MemoryMeasurementCollection
{
}

/// <summary>Forward loops inside dispose scopes leave no tensors alive.</summary>
[Collection(nameof(MemoryMeasurementCollection))]
public class MemoryTests
{
    private static long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void TenThousandForwardCallsHoldMemoryFlat()
    {
        using var outer = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("4x0e+2x1o", "0e+1o", "4x0e+2x1o", dtype: ScalarType.Float32);
        var x = tp.IrrepsIn1.Randn(new long[] { 8, -1 }, ScalarType.Float32, null);
        var y = tp.IrrepsIn2.Randn(new long[] { 8, -1 }, ScalarType.Float32, null);
        for (var i = 0; i < 100; i++)
        {
            using var scope = NewDisposeScope();
            tp.forward(x, y);
        }
        var before = Live();
        var rssBefore = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        for (var i = 0; i < 10_000; i++)
        {
            using var scope = NewDisposeScope();
            tp.forward(x, y);
        }
        Assert.Equal(before, Live());
        // The counter does see tensors that outlive their scope (here the call's result and intermediates stay in
        // the outer scope).
        tp.forward(x, y);
        Assert.True(Live() > before, "the live-tensor counter should see tensors created outside an inner scope");
        var rssGrowth = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64 - rssBefore;
        // Loose bound (allocator noise); a native leak of ~7 KiB per call would exceed it.
        Assert.True(rssGrowth < 64L << 20, $"working set grew by {rssGrowth >> 20} MiB");
    }

    [Fact]
    public void OtherModulesHoldMemoryFlat()
    {
        using var outer = NewDisposeScope();
        var gate = new Gate("2x0e", new nn.Module<Tensor, Tensor>?[] { nn.SiLU() }, "2x0e",
            new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o+1x2e");
        var lin = new Linear("2x0e+1x1o", "3x0e+1x1o", biases: true);
        var norm = new Norm("2x0e+1x1o");
        var sh = SphericalHarmonics.ForLmax(3, true);
        var gx = gate.IrrepsIn[0].Randn(new long[] { 4, -1 }, ScalarType.Float32, null);
        var lx = lin.IrrepsIn[0].Randn(new long[] { 4, -1 }, ScalarType.Float32, null);
        var v = randn(new long[] { 4, 3 });
        void Round()
        {
            using var scope = NewDisposeScope();
            gate.forward(gx);
            lin.forward(lx);
            norm.forward(lx);
            sh.forward(v);
        }
        for (var i = 0; i < 50; i++) Round();
        var before = Live();
        for (var i = 0; i < 2_000; i++) Round();
        Assert.Equal(before, Live());
    }
}
